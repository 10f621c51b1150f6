// `sqlx::migrate!` embeds migrations/ at compile time, but cargo does not know about that
// directory: without this, a new migration is silently left out of the next build.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
