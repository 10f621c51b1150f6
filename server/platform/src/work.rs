//! The unit of work: how every feature reads and writes.
//!
//! A [`Work`] is the platform as one caller (a request, a job) sees it. It carries the
//! WAL position of the newest write that caller must see — their own last write, or
//! the write an event announced — and every read it runs requires that position, so a
//! user always sees their own writes while everything else is read from replicas.
//! Every write it commits moves the position on, and so does a read the primary
//! answered in place of a replica that was behind: what a caller has seen is never
//! taken back by a later read (monotonic reads).
//!
//! Feature code never touches a pool or sets the tenant scope: it names a
//! [`Scope`] and calls [`Work::read`] or [`Work::write`].

use std::{
    ops::Deref,
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
};

use sqlx::PgConnection;

use crate::{
    db::{DbError, Freshness, Lsn, Read, ReadQuery, WriteTx},
    tenancy::Scope,
    Platform,
};

/// One caller's handle on the platform. Cheap to clone; clones share the position.
///
/// Dereferences to [`Platform`] for its other services (jobs, mail, cache, hub,
/// configuration).
#[derive(Clone)]
pub struct Work {
    platform: Platform,
    position: Arc<Position>,
}

#[derive(Default)]
struct Position {
    seen: AtomicU64,
    /// Whether the position moved past where it started because of this caller's own
    /// doing: a write committed, or data read from the primary in place of a replica.
    advanced: AtomicBool,
}

impl Position {
    fn update(&self, next: impl Fn(Lsn) -> Lsn) {
        let mut current = self.seen.load(Ordering::Acquire);
        loop {
            let updated = next(Lsn(current)).0;
            match self
                .seen
                .compare_exchange(current, updated, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}

impl Work {
    /// A caller that must see everything up to `seen` (`Lsn(0)`: nothing in particular).
    pub fn new(platform: Platform, seen: Lsn) -> Self {
        let position = Position::default();
        position.seen.store(seen.0, Ordering::Release);
        Self {
            platform,
            position: Arc::new(position),
        }
    }

    /// A caller that must see everything the primary has committed by now: jobs, which
    /// start after the transaction that enqueued them committed.
    pub async fn up_to_date(platform: Platform) -> Result<Self, DbError> {
        let now = platform.db.primary_lsn().await?;
        Ok(Self::new(platform, now))
    }

    pub fn platform(&self) -> &Platform {
        &self.platform
    }

    /// The position every read of this caller requires.
    pub fn seen(&self) -> Lsn {
        Lsn(self.position.seen.load(Ordering::Acquire))
    }

    /// Whether this caller wrote, or read from the primary in place of a replica: its
    /// position is then worth keeping for its next request.
    pub fn has_advanced(&self) -> bool {
        self.position.advanced.load(Ordering::Acquire)
    }

    /// Requires later reads to include `position` too (a write announced by an event).
    pub fn see(&self, position: Lsn) {
        self.position.update(|seen| seen.max(position));
    }

    fn wrote(&self, position: Lsn) {
        self.position.update(|seen| seen.advanced_by(position));
        self.position.advanced.store(true, Ordering::Release);
    }

    /// Data up to `position` was read from the primary: later reads must not show less.
    fn read_at(&self, position: Lsn) {
        self.position.update(|seen| seen.max(position));
        self.position.advanced.store(true, Ordering::Release);
    }

    fn freshness(&self) -> Freshness {
        match self.seen() {
            Lsn(0) => Freshness::Any,
            seen => Freshness::AtLeast(seen),
        }
    }

    /// Runs `query` in a read-only transaction scoped to `scope` on a replica that has
    /// replayed this caller's position, else on the primary. `query` may run twice (once
    /// more on the primary if the replica fails mid-read).
    pub async fn read<'a, T, F>(&self, scope: &Scope, query: F) -> Result<T, DbError>
    where
        F: ReadQuery<'a, T>,
        T: Send,
    {
        self.read_with_source(scope, query)
            .await
            .map(|read| read.value)
    }

    /// Runs `query` in a read-only transaction on the primary: only for reads that decide
    /// who may do what (see [`Freshness::Latest`]).
    pub async fn read_latest<'a, T, F>(&self, scope: &Scope, query: F) -> Result<T, DbError>
    where
        F: ReadQuery<'a, T>,
        T: Send,
    {
        self.platform.db.read(scope, Freshness::Latest, query).await
    }

    /// For rows that never change once written (a published version): a replica's copy
    /// is right whenever it has one, but a row it lacks may only not have reached it
    /// yet, so the primary confirms an absence before anyone is told "not found".
    pub async fn read_immutable<'a, T, F>(
        &self,
        scope: &Scope,
        query: F,
    ) -> Result<Option<T>, DbError>
    where
        F: ReadQuery<'a, Option<T>> + Clone,
        T: Send,
    {
        match self.read(scope, query.clone()).await? {
            Some(found) => Ok(Some(found)),
            None => self.read_latest(scope, query).await,
        }
    }

    /// As [`Work::read`], also saying which server answered.
    pub async fn read_with_source<'a, T, F>(
        &self,
        scope: &Scope,
        query: F,
    ) -> Result<Read<T>, DbError>
    where
        F: ReadQuery<'a, T>,
        T: Send,
    {
        let read = self
            .platform
            .db
            .read_with_source(scope, self.freshness(), query)
            .await?;
        if let Some(position) = read.fell_back_at {
            self.read_at(position);
        }
        Ok(read)
    }

    /// A transaction on the primary scoped to `scope`; [`Write::commit`] moves this
    /// caller's position past it.
    pub async fn write(&self, scope: &Scope) -> Result<Write, DbError> {
        Ok(Write {
            tx: self.platform.db.write(scope).await?,
            work: self.clone(),
        })
    }
}

impl Deref for Work {
    type Target = Platform;

    fn deref(&self) -> &Platform {
        &self.platform
    }
}

/// A write transaction of one [`Work`]. Dereferences to the connection (`&mut *tx`);
/// dropped uncommitted, it rolls back.
pub struct Write {
    tx: WriteTx,
    work: Work,
}

impl Write {
    /// Switches the transaction to another scope, for a write that spans accounts (a
    /// sign-in recorded in each of the person's accounts).
    pub async fn enter(&mut self, scope: &Scope) -> Result<(), DbError> {
        self.tx.enter(scope).await
    }

    /// Commits, and requires every later read of this caller to see the commit.
    pub async fn commit(self) -> Result<Lsn, DbError> {
        let position = self.tx.commit().await?;
        self.work.wrote(position);
        Ok(position)
    }
}

impl Deref for Write {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
