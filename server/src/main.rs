//! `muster`: serves the Muster web application.
//!
//! Configuration comes from environment variables (see README "Configuration").

use std::process::ExitCode;

use muster_platform::{telemetry, Config, Platform};
use muster_server::{shutdown, Application, StartupError};

#[tokio::main]
async fn main() -> ExitCode {
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
    let config = Config::from_env()?;
    telemetry::init(&config.log)?;
    let leptos_options = leptos::config::get_configuration(None)?.leptos_options;
    let platform = Platform::connect(config)?;
    let app = Application::build(platform, leptos_options).await?;
    tracing::info!(url = %format!("http://{}", app.local_addr()), "Muster is ready");
    app.run_until(shutdown::signal()).await?;
    tracing::info!("Muster stopped cleanly");
    Ok(())
}
