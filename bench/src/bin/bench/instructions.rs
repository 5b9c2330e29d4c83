//! Instructions per delivery, counted by callgrind: the steadier measure on a shared machine,
//! where wall-clock rounds of the same binaries move by 10–20 %.
//!
//! Each server runs under `valgrind --tool=callgrind`, pinned to the server CPU like the
//! throughput rounds, twice: loaded by wrk for [`SHORT`] seconds, then for [`LONG`] seconds. Each
//! run is stopped with SIGTERM (a server that ends normally lets callgrind write its counts), and
//! `(instructions of the long run − of the short one) / (deliveries of the long − of the short)`
//! leaves out what starting and stopping cost, so what remains is the cost of one delivery, every
//! thread of the process included (the log's writer thread too).

use std::io;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{Config, Kind, Server, wrk};

/// Seconds of load of the short run.
const SHORT: u64 = 2;
/// Seconds of load of the long run.
const LONG: u64 = 6;
/// Connections, as at the throughput point where the log cost the most.
pub(crate) const CONNECTIONS: u32 = 16;
/// How long a server under callgrind may take to stop.
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// One configuration's count.
pub(crate) struct Counted {
    pub(crate) name: &'static str,
    /// Instructions per delivery.
    pub(crate) per_delivery: f64,
    /// Deliveries of the long run.
    pub(crate) deliveries: u64,
}

/// The instructions per delivery counted for the server named `name`, if it was counted.
pub(crate) fn per_delivery(counted: &[Counted], name: &str) -> Option<f64> {
    counted
        .iter()
        .find(|counted| counted.name == name)
        .map(|counted| counted.per_delivery)
}

/// Whether callgrind can be run here.
pub(crate) fn available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Counts the baseline, `ours` as a user runs it, `ours` with each optional part off and with all
/// four off, and the baseline with an access line, in that order.
pub(crate) fn count_all(script: &Path, dir: &Path) -> io::Result<Vec<Counted>> {
    [
        ("baseline", Kind::Baseline, Config::Default),
        (Config::Default.name(), Kind::Ours, Config::Default),
        (Config::LogOff.name(), Kind::Ours, Config::LogOff),
        (Config::MetricsOff.name(), Kind::Ours, Config::MetricsOff),
        (Config::ActivityOff.name(), Kind::Ours, Config::ActivityOff),
        (Config::DedupOff.name(), Kind::Ours, Config::DedupOff),
        (Config::AllOff.name(), Kind::Ours, Config::AllOff),
        (
            "baseline + access line",
            Kind::BaselineLogged,
            Config::Default,
        ),
    ]
    .into_iter()
    .map(|(name, kind, config)| {
        let (short, long) = (
            run(kind, config, SHORT, script, dir)?,
            run(kind, config, LONG, script, dir)?,
        );
        let deliveries = long.1.saturating_sub(short.1);
        if deliveries == 0 {
            return Err(io::Error::other(format!(
                "{name} answered no more deliveries in {LONG} s than in {SHORT} s under callgrind"
            )));
        }
        let counted = Counted {
            name,
            per_delivery: long.0.saturating_sub(short.0) as f64 / deliveries as f64,
            deliveries: long.1,
        };
        eprintln!(
            "callgrind  {name:<23} {:>9.0} instructions per delivery",
            counted.per_delivery
        );
        Ok(counted)
    })
    .collect()
}

/// One run under callgrind: the instructions the process executed in all, and the deliveries
/// wrk sent it in `seconds`.
fn run(
    kind: Kind,
    config: Config,
    seconds: u64,
    script: &Path,
    dir: &Path,
) -> io::Result<(u64, u64)> {
    let out = dir.join(format!("callgrind-{kind:?}-{config:?}-{seconds}.out"));
    let log = dir.join(format!("callgrind-{kind:?}-{config:?}-{seconds}.log"));
    let mut server = Server::spawn_counted(kind, config, &log, &out)?;
    server.wait_ready(Instant::now())?;
    let load = wrk(server.port, CONNECTIONS, seconds, script, true)?;
    if load.errors > 0 {
        return Err(io::Error::other(format!(
            "{} errors under callgrind",
            load.errors
        )));
    }
    server.terminate(STOP_TIMEOUT)?;
    let total = total(&std::fs::read_to_string(&out)?)
        .ok_or_else(|| io::Error::other(format!("no summary in {}", out.display())))?;
    Ok((total, load.requests))
}

/// The instructions a callgrind output file counted in all: its `summary:` line.
fn total(counts: &str) -> Option<u64> {
    counts
        .lines()
        .find_map(|line| line.strip_prefix("summary:"))
        .and_then(|value| value.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::total;

    #[test]
    fn the_total_is_the_summary_line() {
        let counts = "# callgrind format\nversion: 1\ncreator: callgrind-3.19.0\npid: 7\n\
            cmd: ours\npart: 1\n\npositions: line\nevents: Ir\nsummary: 974383248\n\n\
            ob=(1) ours\nfn=(1) main\n16 2\n\ntotals: 974383459\n";
        assert_eq!(total(counts), Some(974_383_248));
        assert_eq!(total("events: Ir\ntotals: 5\n"), None);
    }
}
