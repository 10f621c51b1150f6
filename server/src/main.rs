//! `muster`: serves the Muster web application.
//!
//! Configuration comes from environment variables (see README "Configuration").

use std::process::ExitCode;

use muster_platform::{telemetry, Config, Platform};
use muster_server::{run_worker_only, shutdown, Application, StartupError};

const USAGE: &str = "usage: muster [--worker]

  (no option)  serve the web application (and run background jobs unless
               MUSTER_IN_PROCESS_WORKER=0)
  --worker     run background jobs only

Configuration comes from environment variables: see README \"Configuration\".";

enum Mode {
    Web,
    Worker,
}

/// Stack of each runtime thread. Server-side rendering walks the component tree
/// recursively, and a stack overflow aborts the whole process (every user's requests),
/// not one request. The builder's components erase their view types so that 2 MiB
/// suffice for the deepest form allowed (tested on a test thread's 2 MiB); this is the
/// margin for unoptimised builds and pages to come. It costs address space, not memory.
const THREAD_STACK_BYTES: usize = 16 * 1024 * 1024;

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(THREAD_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("muster: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve())
}

async fn serve() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "muster stopped");
            eprintln!("muster: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), StartupError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => Mode::Web,
        ["--worker"] => Mode::Worker,
        ["--help" | "-h"] => {
            println!("{USAGE}");
            return Ok(());
        }
        _ => {
            return Err(StartupError::Usage(format!(
                "unexpected arguments {args:?}\n{USAGE}"
            )))
        }
    };
    let config = Config::from_env()?;
    telemetry::init(&config.log)?;
    if let Mode::Worker = mode {
        let platform = Platform::connect(config)?;
        tracing::info!("Muster worker starting");
        run_worker_only(platform, shutdown::signal()).await?;
        tracing::info!("Muster worker stopped cleanly");
        return Ok(());
    }
    let leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    let platform = Platform::connect(config)?;
    let app = Application::build(platform, leptos_options).await?;
    tracing::info!(url = %format!("http://{}", app.local_addr()), "Muster is ready");
    app.run_until(shutdown::signal()).await?;
    tracing::info!("Muster stopped cleanly");
    Ok(())
}
