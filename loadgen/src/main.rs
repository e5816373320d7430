//! `loadgen`: replays the seed's access patterns against the emulator or AWS.
//!
//! Scenario replay arrives with its own issue; today the binary starts the embedded
//! emulator that runs will target by default, so the endpoint can be tried by hand.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "loadgen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the embedded, in-memory emulator on an ephemeral loopback port and print its
    /// endpoint URL; stops on Ctrl-C.
    Embedded,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Embedded => {
            let running = emulator::Emulator::start(emulator::Config::ephemeral()).await?;
            println!("{}", running.endpoint_url());
            tokio::signal::ctrl_c().await?;
            running.shutdown().await;
        }
    }
    Ok(())
}
