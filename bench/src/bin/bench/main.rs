//! The benchmark driver: runs `ours` and `baseline` (built next to it by `bench/run.sh`) under
//! the same wrk load on 127.0.0.1, measures startup, memory and binary size, prints the table and
//! writes `bench/RESULTS.md`.
//!
//! Every phase is bounded: each wrk run by its duration, each wait for a server by a timeout, the
//! memory phase by its count of deliveries. `bench --help` lists the options.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

mod instructions;

use clap::Parser;
use webhooks_bench::{PAYLOAD, PAYLOAD_FILE, ROUTE, SECRET, SECRET_HEADER};

/// The workspace root, where the payload fixture and `bench/` are.
const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
/// CPU the servers are pinned to; wrk gets the other one.
const SERVER_CPU: &str = "0";
const LOAD_CPU: &str = "1";
/// The longest a server may take to answer its first delivery.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Client threads of the memory phase.
const MEMORY_CONNECTIONS: usize = 16;

/// Runs `ours` and `baseline` (built next to this binary) under the same wrk load on 127.0.0.1,
/// measures startup, memory and size, prints the table and writes the results.
#[derive(Parser)]
#[command(
    name = "bench",
    args_override_self = true,
    after_help = "bench/run.sh builds the servers, runs the parsing micro-benchmark and then this \
driver with the same options; it also takes --no-parse, to skip the micro-benchmark."
)]
struct Args {
    /// Seconds of load per server per round [default: 2]
    #[arg(long, value_name = "S", value_parser = positive::<u64>)]
    duration: Option<u64>,
    /// Rounds per load point, the servers alternating [default: 10; 1 with --quick]
    #[arg(long, value_name = "N", value_parser = positive::<usize>)]
    rounds: Option<usize>,
    /// Seconds of warm-up load per server before measuring, 0 for none [default: 3; 1 with --quick]
    #[arg(long, value_name = "S", value_parser = number::<u64>)]
    warmup: Option<u64>,
    /// Concurrency points, comma-separated
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        action = clap::ArgAction::Set,
        default_value = "1,16,64,256",
        value_parser = positive::<u32>
    )]
    connections: Vec<u32>,
    /// Do not pin: servers and wrk share both cores
    #[arg(long)]
    no_pin: bool,
    /// Measure only the default configuration against the baseline, not `ours` with its optional
    /// parts off, nor the baseline with an access line
    #[arg(long)]
    no_variants: bool,
    /// The micro-benchmark's output, to include in the results
    #[arg(long, value_name = "FILE")]
    parse_results: Option<PathBuf>,
    /// Where to write the results, `-` for nowhere [default: bench/RESULTS.md]
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Do not count instructions per delivery with callgrind (valgrind)
    #[arg(long)]
    no_instructions: bool,
    /// A smoke run: 1 round of 2 s, 1 s warm-up, 3 startups, 20,000 deliveries, no instruction
    /// counts (--duration, --rounds and --warmup still apply)
    #[arg(long)]
    quick: bool,
}

/// What to measure, once the defaults and `--quick` are applied.
struct Options {
    duration: u64,
    rounds: usize,
    warmup: u64,
    connections: Vec<u32>,
    pin: bool,
    variants: bool,
    instructions: bool,
    startups: usize,
    deliveries: usize,
    parse_results: Option<PathBuf>,
    out: Option<PathBuf>,
}

impl From<Args> for Options {
    fn from(args: Args) -> Self {
        let quick = args.quick;
        Self {
            // Many short rounds rather than a few long ones: the host's speed drifts over tens of
            // seconds, and each round's ratio compares runs a few seconds apart (bench/README.md,
            // eighth pass).
            duration: args.duration.unwrap_or(2),
            rounds: args.rounds.unwrap_or(if quick { 1 } else { 10 }),
            warmup: args.warmup.unwrap_or(if quick { 1 } else { 3 }),
            connections: args.connections,
            pin: !args.no_pin,
            variants: !args.no_variants,
            instructions: !args.no_instructions && !quick,
            startups: if quick { 3 } else { 10 },
            deliveries: if quick { 20_000 } else { 100_000 },
            parse_results: args.parse_results,
            out: match args.out {
                None => Some(Path::new(ROOT).join("bench/RESULTS.md")),
                Some(out) if out.as_os_str() == "-" => None,
                Some(out) => Some(out),
            },
        }
    }
}

fn number<T: std::str::FromStr>(text: &str) -> Result<T, String> {
    text.trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))
}

fn positive<T: std::str::FromStr + Default + PartialEq>(text: &str) -> Result<T, String> {
    let value = number(text)?;
    if value == T::default() {
        return Err("must be positive".into());
    }
    Ok(value)
}

fn main() -> ExitCode {
    let options = Options::from(Args::parse());
    match run(&options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// The servers under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ours,
    Baseline,
    /// The baseline writing the same access line as `ours`, as cheaply as it can be written.
    BaselineLogged,
}

impl Kind {
    fn binary(self) -> io::Result<PathBuf> {
        let name = match self {
            Kind::Ours => "ours",
            Kind::Baseline => "baseline",
            Kind::BaselineLogged => "baseline-logged",
        };
        sibling(name)
    }
}

/// The binary `name` built next to this one.
fn sibling(name: &str) -> io::Result<PathBuf> {
    let dir = std::env::current_exe()?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path = dir.join(name);
    if path.is_file() {
        Ok(path)
    } else {
        Err(io::Error::other(format!(
            "{} not found: build it first (bench/run.sh does)",
            path.display()
        )))
    }
}

/// The variables that turn one of `ours`' optional parts off (`src/bin/ours.rs`).
const METRICS_OFF_VAR: &str = "BENCH_METRICS_OFF";
const ACTIVITY_OFF_VAR: &str = "BENCH_ACTIVITY_OFF";
const DEDUP_OFF_VAR: &str = "BENCH_DEDUP_OFF";

/// How `ours` is configured (the baseline ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Config {
    /// Every default, as a user runs it: `RUST_LOG` unset (one access line per request), metrics,
    /// activity log and deduplication on.
    Default,
    /// `RUST_LOG=warn`: the access line filtered out.
    LogOff,
    /// The default, with `.metrics(false)`.
    MetricsOff,
    /// The default, with `.recent_deliveries(0)`: no activity log.
    ActivityOff,
    /// The default, with `.dedup(false)`: deliveries not recognised by their id.
    DedupOff,
    /// Every optional part off: the log, the metrics, the activity log, deduplication. What is
    /// left is what the framework does for every delivery whatever it is configured to.
    AllOff,
}

impl Config {
    /// `ours`' name in this configuration, in the tables.
    fn name(self) -> &'static str {
        match self {
            Self::Default => "ours",
            Self::LogOff => "ours, log off",
            Self::MetricsOff => "ours, metrics off",
            Self::ActivityOff => "ours, activity log off",
            Self::DedupOff => "ours, deduplication off",
            Self::AllOff => "ours, all four off",
        }
    }

    /// The `RUST_LOG` it runs with (unset: the default, `info`).
    fn rust_log(self) -> Option<&'static str> {
        matches!(self, Self::LogOff | Self::AllOff).then_some("warn")
    }

    /// Whether it sets `var`, one of the variables turning a part off.
    fn sets(self, var: &str) -> bool {
        match self {
            Self::Default | Self::LogOff => false,
            Self::MetricsOff => var == METRICS_OFF_VAR,
            Self::ActivityOff => var == ACTIVITY_OFF_VAR,
            Self::DedupOff => var == DEDUP_OFF_VAR,
            Self::AllOff => true,
        }
    }

    /// Whether it is measured at every load point (else at 64 connections only: the parts
    /// whose cost is small).
    fn at_every_point(self) -> bool {
        matches!(self, Self::Default | Self::LogOff | Self::AllOff)
    }
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `kind` on a free loopback port, pinned to the server CPU when `pin`, configured as
    /// `config` says, its stderr (its log) going to `log` (or nowhere).
    fn spawn(kind: Kind, pin: bool, config: Config, log: Option<&Path>) -> io::Result<Self> {
        Self::spawn_wrapped(kind, pin, config, log, &[])
    }

    /// Starts `kind` as [`spawn`](Self::spawn) does, pinned, under callgrind, which writes its
    /// counts to `out` once the server ends normally ([`terminate`](Self::terminate)).
    fn spawn_counted(kind: Kind, config: Config, log: &Path, out: &Path) -> io::Result<Self> {
        let out = format!("--callgrind-out-file={}", out.display());
        let wrapper = ["valgrind", "--tool=callgrind", "--quiet", &out];
        Self::spawn_wrapped(kind, true, config, Some(log), &wrapper)
    }

    fn spawn_wrapped(
        kind: Kind,
        pin: bool,
        config: Config,
        log: Option<&Path>,
        wrapper: &[&str],
    ) -> io::Result<Self> {
        let port = free_port()?;
        let binary = kind.binary()?;
        let mut program: Vec<&std::ffi::OsStr> = Vec::new();
        if pin {
            program.extend(["taskset", "-c", SERVER_CPU].map(std::ffi::OsStr::new));
        }
        program.extend(wrapper.iter().map(std::ffi::OsStr::new));
        program.push(binary.as_os_str());
        let mut command = Command::new(program[0]);
        command.args(&program[1..]);
        let stderr = match log {
            Some(path) => Stdio::from(std::fs::File::create(path)?),
            None => Stdio::null(),
        };
        match config.rust_log() {
            Some(filter) => command.env("RUST_LOG", filter),
            // Unset: the default, `info`, one access line per request.
            None => command.env_remove("RUST_LOG"),
        };
        for var in [METRICS_OFF_VAR, ACTIVITY_OFF_VAR, DEDUP_OFF_VAR] {
            if config.sets(var) {
                command.env(var, "1");
            } else {
                command.env_remove(var);
            }
        }
        let child = command
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("WEBHOOK_SECRET", SECRET)
            .env_remove("SPACE_ID")
            .env_remove("SPACE_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()?;
        Ok(Self { child, port })
    }

    /// Starts the durable server on a free loopback port, unpinned, its inbox at `inbox`, its
    /// warnings and errors going to `log`.
    fn spawn_durable(inbox: &str, replica: &str, log: &Path) -> io::Result<Self> {
        Self::spawn_durable_with(inbox, replica, log, false)
    }

    /// `durable` on `inbox`; with `hold`, its handler never finishes, so deliveries stay queued.
    fn spawn_durable_with(inbox: &str, replica: &str, log: &Path, hold: bool) -> io::Result<Self> {
        let port = free_port()?;
        let mut command = Command::new(sibling("durable")?);
        if hold {
            command.env("BENCH_DURABLE_HOLD", "1");
        } else {
            command.env_remove("BENCH_DURABLE_HOLD");
        }
        let child = command
            .env("PORT", port.to_string())
            .env("HOST", "127.0.0.1")
            .env("WEBHOOK_SECRET", SECRET)
            .env("WEBHOOKS_INBOX", inbox)
            .env("WEBHOOKS_REPLICA", replica)
            .env("RUST_LOG", "warn")
            .env_remove("SPACE_ID")
            .env_remove("SPACE_HOST")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(log)?))
            .spawn()?;
        Ok(Self { child, port })
    }

    /// Waits until the server answers a delivery with 2xx (200, or 202 from a queued endpoint);
    /// returns how long that took from `since`.
    fn wait_ready(&mut self, since: Instant) -> io::Result<Duration> {
        let deadline = since + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(io::Error::other(format!("the server exited: {status}")));
            }
            if let Ok(answer) = Client::connect(self.port).and_then(|mut c| c.post(Some(SECRET)))
                && (200..300).contains(&answer.status)
            {
                return Ok(since.elapsed());
            }
            if Instant::now() > deadline {
                return Err(io::Error::other("the server did not answer in time"));
            }
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    /// Waits until the port accepts connections, without sending a request.
    fn wait_listening(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + READY_TIMEOUT;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if Instant::now() > deadline {
                return Err(io::Error::other("the server did not listen in time"));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }

    /// `VmRSS` and `VmHWM` from `/proc/<pid>/status`, in KiB.
    fn memory(&self) -> io::Result<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let field = |name: &str| {
            kib(&status, name)
                .ok_or_else(|| io::Error::other(format!("no {name} in /proc/<pid>/status")))
        };
        Ok((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Server {
    /// Stops the server with SIGTERM, as a platform does, and waits (at most `timeout`) until it
    /// exited successfully.
    fn terminate(mut self, timeout: Duration) -> io::Result<()> {
        let signalled = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()?;
        if !signalled.success() {
            return Err(io::Error::other("could not send SIGTERM to the server"));
        }
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(io::Error::other(format!("the server ended with {status}")))
                };
            }
            if Instant::now() > deadline {
                return Err(io::Error::other("the server did not stop in time"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One answer read by [`Client`].
struct Answer {
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A minimal keep-alive HTTP/1.1 client, for readiness, checks and the memory phase.
struct Client {
    stream: TcpStream,
    request: Vec<u8>,
    buffer: Vec<u8>,
}

impl Client {
    /// `GET path`, keep-alive.
    fn get(&mut self, path: &str) -> io::Result<Answer> {
        let request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
        self.stream.write_all(request.as_bytes())?;
        self.read_answer()
    }

    fn connect(port: u16) -> io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        Ok(Self {
            stream,
            request: Vec::new(),
            buffer: Vec::with_capacity(4096),
        })
    }

    fn post(&mut self, secret: Option<&str>) -> io::Result<Answer> {
        if self.request.is_empty() || secret != Some(SECRET) {
            self.request.clear();
            let mut head = format!(
                "POST {ROUTE} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                PAYLOAD.len()
            );
            if let Some(secret) = secret {
                let _ = write!(head, "{SECRET_HEADER}: {secret}\r\n");
            }
            head.push_str("\r\n");
            self.request.extend_from_slice(head.as_bytes());
            self.request.extend_from_slice(PAYLOAD);
        }
        self.stream.write_all(&self.request)?;
        self.read_answer()
    }

    fn read_answer(&mut self) -> io::Result<Answer> {
        self.buffer.clear();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = find(&self.buffer, b"\r\n\r\n") {
                break at + 4;
            }
            let read = self.stream.read(&mut chunk)?;
            if read == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| io::Error::other("no status line"))?;
        let mut length = 0;
        let mut content_type = None;
        for line in lines {
            if let Some((name, value)) = line.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse().unwrap_or(0),
                    "content-type" => content_type = Some(value.trim().to_owned()),
                    _ => {}
                }
            }
        }
        while self.buffer.len() < head_end + length {
            let read = self.stream.read(&mut chunk)?;
            if read == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buffer.extend_from_slice(&chunk[..read]);
        }
        Ok(Answer {
            status,
            content_type,
            body: self.buffer[head_end..head_end + length].to_vec(),
        })
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// What one wrk run measured.
#[derive(Clone, Copy, Default)]
struct Load {
    requests_per_second: f64,
    requests: u64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    /// CPU used by other processes during the run, in cores (0.05 = 5 % of one core).
    interference: f64,
    /// The server's own CPU time per request answered, in user space and in the kernel, in µs.
    user_us: f64,
    system_us: f64,
}

/// One concurrency point: each round's measurement of each server.
#[derive(Default)]
struct Point {
    connections: u32,
    baseline: Vec<Load>,
    /// `ours` in its default configuration.
    ours: Vec<Load>,
    /// `ours` with its access log off.
    log_off: Vec<Load>,
    /// `ours` with one other optional part off (at 64 connections only): its metrics, its
    /// activity log, its deduplication.
    metrics_off: Vec<Load>,
    activity_off: Vec<Load>,
    dedup_off: Vec<Load>,
    /// `ours` with all four off.
    all_off: Vec<Load>,
    /// The baseline with an access line.
    baseline_logged: Vec<Load>,
}

impl Point {
    /// Every wrk run of this point, whichever server it measured.
    fn runs(&self) -> impl Iterator<Item = &Load> {
        self.baseline
            .iter()
            .chain(&self.ours)
            .chain(&self.log_off)
            .chain(&self.metrics_off)
            .chain(&self.activity_off)
            .chain(&self.dedup_off)
            .chain(&self.all_off)
            .chain(&self.baseline_logged)
    }

    /// The runs of `ours` in `config`.
    fn of(&self, config: Config) -> &[Load] {
        match config {
            Config::Default => &self.ours,
            Config::LogOff => &self.log_off,
            Config::MetricsOff => &self.metrics_off,
            Config::ActivityOff => &self.activity_off,
            Config::DedupOff => &self.dedup_off,
            Config::AllOff => &self.all_off,
        }
    }

    fn of_mut(&mut self, config: Config) -> &mut Vec<Load> {
        match config {
            Config::Default => &mut self.ours,
            Config::LogOff => &mut self.log_off,
            Config::MetricsOff => &mut self.metrics_off,
            Config::ActivityOff => &mut self.activity_off,
            Config::DedupOff => &mut self.dedup_off,
            Config::AllOff => &mut self.all_off,
        }
    }

    /// The median of each figure over the rounds; errors added up, interference the worst.
    fn median(loads: &[Load]) -> Load {
        let median = |field: fn(&Load) -> f64| {
            let mut values: Vec<f64> = loads.iter().map(field).collect();
            values.sort_by(f64::total_cmp);
            values.get(values.len() / 2).copied().unwrap_or(0.0)
        };
        Load {
            requests_per_second: median(|load| load.requests_per_second),
            requests: loads.iter().map(|load| load.requests).sum(),
            p50_ms: median(|load| load.p50_ms),
            p99_ms: median(|load| load.p99_ms),
            errors: loads.iter().map(|load| load.errors).sum(),
            interference: loads
                .iter()
                .map(|load| load.interference)
                .fold(0.0, f64::max),
            user_us: median(|load| load.user_us),
            system_us: median(|load| load.system_us),
        }
    }

    /// The median over the rounds of `a / b`, each round's two runs being adjacent in time.
    fn ratio(a: &[Load], b: &[Load]) -> f64 {
        let mut ratios: Vec<f64> = a
            .iter()
            .zip(b)
            .map(|(a, b)| a.requests_per_second / b.requests_per_second)
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios.get(ratios.len() / 2).copied().unwrap_or(0.0)
    }
}

/// Other processes (a build, say) may use at most this much CPU during a point, in cores.
const MAX_INTERFERENCE: f64 = 0.05;
/// Attempts per point while other processes interfere.
const ATTEMPTS: usize = 3;

/// Clock ticks per second in `/proc`'s CPU times (`USER_HZ`, 100 on Linux whatever the kernel's
/// own tick rate).
const TICKS_PER_SECOND: f64 = 100.0;

/// CPU time counters, in clock ticks: the whole machine's busy time, one process's (in user
/// space and in the kernel), this process's waited-for children's (wrk's, once it exited).
struct Ticks {
    busy: u64,
    total: u64,
    server_user: u64,
    server_system: u64,
    children: u64,
}

impl Ticks {
    fn now(server: u32) -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let cpu: Vec<u64> = stat
            .lines()
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .skip(1)
            .filter_map(|field| field.parse().ok())
            .collect();
        let get = |index: usize| cpu.get(index).copied().unwrap_or(0);
        // user nice system idle iowait irq softirq steal
        let busy = get(0) + get(1) + get(2) + get(5) + get(6) + get(7);
        let process =
            |path: String| stat_fields(&std::fs::read_to_string(path).unwrap_or_default());
        let field = |fields: &[u64], number: usize| fields.get(number - 3).copied().unwrap_or(0);
        let (server, this) = (
            process(format!("/proc/{server}/stat")),
            process("/proc/self/stat".to_owned()),
        );
        Self {
            busy,
            total: busy + get(3) + get(4),
            // utime and stime; cutime and cstime.
            server_user: field(&server, 14),
            server_system: field(&server, 15),
            children: field(&this, 16) + field(&this, 17),
        }
    }

    /// The server's CPU time since `start` per request of `requests`, in user space and in the
    /// kernel, in µs.
    fn server_per_request(&self, start: &Ticks, requests: u64) -> (f64, f64) {
        let per = |ticks: u64| ticks as f64 / TICKS_PER_SECOND * 1e6 / requests.max(1) as f64;
        (
            per(self.server_user.saturating_sub(start.server_user)),
            per(self.server_system.saturating_sub(start.server_system)),
        )
    }

    /// What other processes than the server and wrk used since `start`, in cores.
    fn interference_since(&self, start: &Ticks, cores: f64) -> f64 {
        let server = (self.server_user + self.server_system)
            .saturating_sub(start.server_user + start.server_system);
        let other = (self.busy - start.busy)
            .saturating_sub(server)
            .saturating_sub(self.children - start.children);
        other as f64 / (self.total - start.total).max(1) as f64 * cores
    }
}

/// A process's numeric fields from its `/proc/<pid>/stat`, from field 3 (its state, as 0) on:
/// field `n` of `proc(5)` is at `n - 3`. What comes before is the pid and the command name in
/// parentheses, which may hold spaces and parentheses itself, hence the last `)`.
fn stat_fields(stat: &str) -> Vec<u64> {
    stat.rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .map(|field| field.parse().unwrap_or(0))
        .collect()
}

/// Waits (at most two minutes) until the machine is idle: other engineers' builds would skew
/// the numbers.
fn wait_quiet() {
    let cores = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
    for attempt in 0..120 {
        let start = Ticks::now(0);
        std::thread::sleep(Duration::from_millis(500));
        let busy = Ticks::now(0).interference_since(&start, cores);
        if busy <= MAX_INTERFERENCE {
            return;
        }
        if attempt % 10 == 0 {
            eprintln!("  waiting for a quiet machine ({busy:.2} cores busy)");
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!("  the machine stayed busy: measuring anyway");
}

/// [`wrk`] on a quiet machine: retried (at most [`ATTEMPTS`] times) while other processes used
/// more than [`MAX_INTERFERENCE`] of the CPU, keeping the least disturbed run.
fn measured(
    server: &Server,
    connections: u32,
    seconds: u64,
    script: &Path,
    pin: bool,
) -> io::Result<Load> {
    let cores = std::thread::available_parallelism().map_or(1.0, |n| n.get() as f64);
    let mut best: Option<Load> = None;
    for _ in 0..ATTEMPTS {
        wait_quiet();
        let start = Ticks::now(server.child.id());
        let mut load = wrk(server.port, connections, seconds, script, pin)?;
        let end = Ticks::now(server.child.id());
        load.interference = end.interference_since(&start, cores);
        (load.user_us, load.system_us) = end.server_per_request(&start, load.requests);
        if best.is_none_or(|best| load.interference < best.interference) {
            best = Some(load);
        }
        if load.interference <= MAX_INTERFERENCE {
            break;
        }
        eprintln!(
            "  other processes used {:.2} cores during the run: measuring again",
            load.interference
        );
    }
    Ok(best.unwrap_or_default())
}

/// Runs wrk against `port` for `seconds` with `connections` keep-alive connections.
fn wrk(port: u16, connections: u32, seconds: u64, script: &Path, pin: bool) -> io::Result<Load> {
    let mut command = if pin {
        let mut command = Command::new("taskset");
        command.args(["-c", LOAD_CPU, "wrk"]);
        command
    } else {
        Command::new("wrk")
    };
    let output = command
        .args(["-t1", "--latency", "--timeout", "5s"])
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        .arg("-s")
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}{ROUTE}"))
        .arg("--")
        .arg(run_token())
        .stdin(Stdio::null())
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "wrk failed ({}): {text}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    parse_wrk(&text)
        .ok_or_else(|| io::Error::other(format!("could not read wrk's output:\n{text}")))
}

/// A token no other wrk run of this driver, or of an earlier one, is given.
fn run_token() -> String {
    static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!("{now:x}-{}-{run}", std::process::id())
}

fn parse_wrk(text: &str) -> Option<Load> {
    let mut load = Load::default();
    let (mut p50, mut p99) = (None, None);
    for line in text.lines().map(str::trim) {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["50%", value] => p50 = duration_ms(value),
            ["99%", value] => p99 = duration_ms(value),
            ["Requests/sec:", value] => load.requests_per_second = value.parse().ok()?,
            [count, "requests", "in", ..] => load.requests = count.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                load.errors += count.parse::<u64>().ok()?;
            }
            ["Socket", "errors:", rest @ ..] => {
                // connect N, read N, write N, timeout N
                for pair in rest.chunks(2) {
                    if let [_, count] = pair {
                        load.errors += count.trim_end_matches(',').parse::<u64>().ok()?;
                    }
                }
            }
            _ => {}
        }
    }
    load.p50_ms = p50?;
    load.p99_ms = p99?;
    (load.requests > 0).then_some(load)
}

/// wrk's `123.45us`, `1.23ms`, `1.00s` in milliseconds.
fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (value, unit) = text.split_at(split);
    let value: f64 = value.parse().ok()?;
    Some(match unit {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => return None,
    })
}

/// wrk's Lua script: POST the payload with the secret and a `Webhook-Id` of its own, as the Hub
/// sends every delivery, keep-alive.
fn write_wrk_script(dir: &Path) -> io::Result<PathBuf> {
    let payload = Path::new(ROOT).join(PAYLOAD_FILE).canonicalize()?;
    let script = format!(
        r#"local file = assert(io.open([[{}]], "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["{SECRET_HEADER}"] = "{SECRET}"
-- Unique per run (the driver passes a token) and per request: never a duplicate, so every
-- delivery runs its handler.
local prefix = "run-"
local sent = 0
init = function(args)
  prefix = args[1] .. "-"
end
request = function()
  sent = sent + 1
  wrk.headers["Webhook-Id"] = prefix .. sent
  return wrk.format()
end
"#,
        payload.display()
    );
    let path = dir.join("post.lua");
    std::fs::write(&path, script)?;
    Ok(path)
}

/// Sends `total` deliveries over `connections` keep-alive connections; how many were answered
/// `expected`.
fn send(port: u16, total: usize, connections: usize, expected: u16) -> io::Result<usize> {
    let threads: Vec<_> = (0..connections)
        .map(|index| {
            let count = total / connections + usize::from(index < total % connections);
            std::thread::spawn(move || -> io::Result<usize> {
                let mut client = Client::connect(port)?;
                let mut answered = 0;
                for _ in 0..count {
                    if client.post(Some(SECRET))?.status == expected {
                        answered += 1;
                    }
                }
                Ok(answered)
            })
        })
        .collect();
    let mut answered = 0;
    for thread in threads {
        answered += thread
            .join()
            .map_err(|_| io::Error::other("a client thread panicked"))??;
    }
    Ok(answered)
}

/// The value of a `Name: 1234 kB` line of a `/proc` file, in KiB.
fn kib(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Startup, memory and size of one server.
struct Footprint {
    startup: Duration,
    idle_rss_kib: u64,
    after_rss_kib: u64,
    peak_rss_kib: u64,
    delivered: usize,
    binary_bytes: u64,
    stripped_bytes: Option<u64>,
}

fn footprint(kind: Kind, options: &Options, dir: &Path) -> io::Result<Footprint> {
    let log = dir.join("footprint.log");
    // Startup: spawn → first 200, median of `startups`, unpinned (as the server is deployed).
    let mut startups = Vec::with_capacity(options.startups);
    for _ in 0..options.startups {
        let started = Instant::now();
        let mut server = Server::spawn(kind, false, Config::Default, Some(&log))?;
        startups.push(server.wait_ready(started)?);
    }
    // Memory: a fresh process, idle (listening, never asked anything), then after the deliveries.
    let mut server = Server::spawn(kind, false, Config::Default, Some(&log))?;
    server.wait_listening()?;
    std::thread::sleep(Duration::from_millis(300));
    let (idle_rss_kib, _) = server.memory()?;
    let delivered = send(server.port, options.deliveries, MEMORY_CONNECTIONS, 200)?;
    std::thread::sleep(Duration::from_millis(300));
    let (after_rss_kib, peak_rss_kib) = server.memory()?;
    drop(server);
    let binary = kind.binary()?;
    let binary_bytes = std::fs::metadata(&binary)?.len();
    let stripped = dir.join("stripped");
    let stripped_bytes = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&binary)
        .stderr(Stdio::null())
        .status()
        .ok()
        .filter(std::process::ExitStatus::success)
        .and_then(|_| std::fs::metadata(&stripped).ok())
        .map(|meta| meta.len());
    Ok(Footprint {
        startup: median(startups),
        idle_rss_kib,
        after_rss_kib,
        peak_rss_kib,
        delivered,
        binary_bytes,
        stripped_bytes,
    })
}

/// Checks, before measuring, that `ours` (the server called `name`) answers a delivery exactly as
/// the baseline does, and a wrong secret with 403 as it does; returns the delivery's answer.
fn check_same_answers(name: &str, ours: &Server, baseline: &Server) -> io::Result<String> {
    let mut answers = Vec::new();
    for server in [ours, baseline] {
        let mut client = Client::connect(server.port)?;
        let good = client.post(Some(SECRET))?;
        let bad = client.post(Some("not-the-secret"))?;
        answers.push((good, bad.status));
    }
    let (ours, baseline) = (&answers[0], &answers[1]);
    let same = ours.0.status == 200
        && ours.0.status == baseline.0.status
        && ours.0.content_type == baseline.0.content_type
        && ours.0.body == baseline.0.body;
    if !same {
        return Err(io::Error::other(format!(
            "the servers answer differently: {name} {} {:?} {}, baseline {} {:?} {}",
            ours.0.status,
            ours.0.content_type,
            String::from_utf8_lossy(&ours.0.body),
            baseline.0.status,
            baseline.0.content_type,
            String::from_utf8_lossy(&baseline.0.body),
        )));
    }
    if ours.1 != 403 || baseline.1 != 403 {
        return Err(io::Error::other(format!(
            "a wrong secret must get 403: {name} {}, baseline {}",
            ours.1, baseline.1
        )));
    }
    Ok(String::from_utf8_lossy(&ours.0.body).into_owned())
}

fn run(options: &Options) -> io::Result<()> {
    for tool in ["wrk", "taskset"] {
        if tool == "taskset" && !options.pin {
            continue;
        }
        if Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            return Err(io::Error::other(format!(
                "`{tool}` is not installed (apt-get install -y {})",
                if tool == "wrk" { "wrk" } else { "util-linux" }
            )));
        }
    }
    if options.instructions && !instructions::available() {
        return Err(io::Error::other(
            "`valgrind` is not installed (apt-get install -y valgrind), or pass --no-instructions",
        ));
    }
    let dir = std::env::temp_dir().join(format!("webhooks-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = measure(options, &dir);
    let _ = std::fs::remove_dir_all(&dir);
    let report = result?;
    println!("{report}");
    if let Some(out) = &options.out {
        std::fs::write(out, &report)?;
        eprintln!("written to {}", out.display());
    }
    Ok(())
}

fn measure(options: &Options, dir: &Path) -> io::Result<String> {
    let script = write_wrk_script(dir)?;
    let machine = machine();
    eprintln!("{machine}");

    let access_log = dir.join("access.log");
    let mut ours = Server::spawn(Kind::Ours, options.pin, Config::Default, Some(&access_log))?;
    // Both write their stderr to a file (the baseline writes nothing; a server under A/B does).
    let baseline_log = dir.join("baseline.log");
    let mut baseline = Server::spawn(
        Kind::Baseline,
        options.pin,
        Config::Default,
        Some(&baseline_log),
    )?;
    ours.wait_ready(Instant::now())?;
    baseline.wait_ready(Instant::now())?;
    let answer = check_same_answers("ours", &ours, &baseline)?;
    eprintln!("both servers answer 200 {answer}");
    // `ours` with each optional part off and with all of them off, and the baseline with an
    // access line, measured beside the others so that what each costs is known.
    let mut variants = Vec::new();
    if options.variants {
        for (kind, config) in [
            (Kind::Ours, Config::LogOff),
            (Kind::Ours, Config::MetricsOff),
            (Kind::Ours, Config::ActivityOff),
            (Kind::Ours, Config::DedupOff),
            (Kind::Ours, Config::AllOff),
            (Kind::BaselineLogged, Config::Default),
        ] {
            let log = dir.join(format!("{kind:?}-{config:?}.log"));
            let mut server = Server::spawn(kind, options.pin, config, Some(&log))?;
            server.wait_ready(Instant::now())?;
            if kind == Kind::BaselineLogged {
                check_same_answers("baseline-logged", &server, &baseline)?;
            }
            variants.push((kind, config, server));
        }
    }
    if options.warmup > 0 {
        eprintln!("warming up for {} s each", options.warmup);
        for server in [&baseline, &ours]
            .into_iter()
            .chain(variants.iter().map(|(_, _, server)| server))
        {
            wrk(server.port, 64, options.warmup, &script, options.pin)?;
        }
    }

    // The load points: `rounds` rounds, the servers alternating within each (which goes first
    // alternates too), so that drift on the machine affects both alike.
    let mut points = Vec::new();
    for (index, &connections) in options.connections.iter().enumerate() {
        let mut point = Point {
            connections,
            ..Point::default()
        };
        for round in 0..options.rounds {
            // The baseline between the two servers compared with it most, so that each of their
            // ratios compares adjacent runs: the baseline with the line, the baseline, `ours`,
            // then `ours`' variants (the log off and all four parts off at every point; one
            // other part off, whose cost is small, at 64 connections).
            let mut order = Vec::new();
            for (kind, config, server) in &variants {
                if *kind == Kind::BaselineLogged {
                    order.push((*kind, *config, server));
                }
            }
            order.push((Kind::Baseline, Config::Default, &baseline));
            order.push((Kind::Ours, Config::Default, &ours));
            for (kind, config, server) in &variants {
                if *kind == Kind::Ours && (config.at_every_point() || connections == 64) {
                    order.push((*kind, *config, server));
                }
            }
            if (index + round) % 2 == 1 {
                order.reverse();
            }
            for (kind, config, server) in order {
                let load = measured(server, connections, options.duration, &script, options.pin)?;
                let name = match kind {
                    Kind::Baseline => "baseline",
                    Kind::BaselineLogged => "baseline + access line",
                    Kind::Ours => config.name(),
                };
                eprintln!(
                    "{connections:>4} connections  round {}  {name:<23} {:>9.0} req/s  p50 {:.3} ms  p99 {:.3} ms  errors {}  (others: {:.2} cores)",
                    round + 1,
                    load.requests_per_second,
                    load.p50_ms,
                    load.p99_ms,
                    load.errors,
                    load.interference
                );
                match kind {
                    Kind::Baseline => point.baseline.push(load),
                    Kind::BaselineLogged => point.baseline_logged.push(load),
                    Kind::Ours => point.of_mut(config).push(load),
                }
            }
        }
        points.push(point);
    }
    drop(ours);
    drop(baseline);
    drop(variants);
    let lines = std::fs::read_to_string(&access_log)
        .map(|text| text.lines().count())
        .unwrap_or(0);
    eprintln!("the default configuration's log has {lines} lines");
    if let Ok(text) = std::fs::read_to_string(dir.join("BaselineLogged-Default.log")) {
        let lines = text.lines().count();
        eprintln!("the baseline + access line's log has {lines} lines");
    }
    let counted = if options.instructions {
        eprintln!("instructions per delivery (callgrind)");
        instructions::count_all(&script, dir)?
    } else {
        Vec::new()
    };

    eprintln!("startup, memory and size");
    let ours_footprint = footprint(Kind::Ours, options, dir)?;
    let baseline_footprint = footprint(Kind::Baseline, options, dir)?;
    let sqlite = durable_sqlite(options, &script, dir)?;
    let durable = durable(options, &script)?;

    let mut report = report(
        options,
        &machine,
        &answer,
        &points,
        &counted,
        &ours_footprint,
        &baseline_footprint,
    );
    report.push_str(&sqlite_report(&sqlite));
    if let Some(rows) = durable {
        report.push_str(&durable_report(&rows));
    }
    Ok(report)
}

/// The durable rows with the default inbox, SQLite, and the restart with 10,000 deliveries
/// queued.
struct SqliteDurable {
    rows: Vec<DurableRow>,
    /// Deliveries queued when the server was killed, and found queued after the restart.
    queued: (usize, u64),
    /// From spawning the process again to its first `202`.
    restart: Duration,
}

/// The deliveries of a queued endpoint not yet run to the end, read from its metrics.
fn inbox_waiting(port: u16) -> io::Result<u64> {
    let answer = Client::connect(port)?.get(&format!("/metrics?secret={SECRET}"))?;
    let text = String::from_utf8_lossy(&answer.body);
    let mut waiting = 0;
    for state in ["queued", "running", "retrying"] {
        let name = format!("webhooks_inbox_deliveries{{state=\"{state}\"}} ");
        waiting += text
            .lines()
            .find_map(|line| line.strip_prefix(&name))
            .and_then(|value| value.trim().parse::<u64>().ok())
            .ok_or_else(|| io::Error::other(format!("no {name}in the metrics")))?;
    }
    Ok(waiting)
}

/// Waits (at most three minutes) until the workers ran every delivery queued so far.
fn wait_drained_sqlite(port: u16) -> io::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(180);
    while inbox_waiting(port)? > 0 {
        if Instant::now() > deadline {
            eprintln!("  deliveries still queued: measuring anyway");
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Deliveries queued before the kill -9 of the restart measurement.
const RESTART_QUEUED: usize = 10_000;

fn durable_sqlite(options: &Options, script: &Path, dir: &Path) -> io::Result<SqliteDurable> {
    let inbox = dir.join("durable.sqlite3");
    let inbox = inbox.to_string_lossy();
    let log = dir.join("durable-sqlite.log");
    let mut server = Server::spawn_durable(&inbox, "bench", &log)?;
    server.wait_ready(Instant::now())?;
    eprintln!("durable deliveries: SQLite inbox {inbox}");
    if options.warmup > 0 {
        wrk_all(std::slice::from_ref(&server), 16, options.warmup, script)?;
    }
    let mut rows = Vec::new();
    for connections in [16, 64] {
        let mut best: Option<DurableRow> = None;
        for _ in 0..options.rounds {
            wait_drained_sqlite(server.port)?;
            wait_quiet();
            let load = wrk(server.port, connections, options.duration, script, false)?;
            eprintln!(
                "durable (SQLite), {connections:>3} connections: {:>7.0} deliveries/s  p99 {:.3} ms  errors {}",
                load.requests_per_second, load.p99_ms, load.errors
            );
            let row = DurableRow {
                replicas: 1,
                connections,
                requests_per_second: load.requests_per_second,
                p99_ms: load.p99_ms,
                errors: load.errors,
            };
            if best
                .as_ref()
                .is_none_or(|best| row.requests_per_second > best.requests_per_second)
            {
                best = Some(row);
            }
        }
        rows.extend(best);
    }
    drop(server);

    // A restart with 10,000 deliveries waiting: their handler never finishes, so they stay queued;
    // the server is killed with SIGKILL and started again on the same inbox.
    let inbox = dir.join("restart.sqlite3");
    let inbox = inbox.to_string_lossy();
    let mut server = Server::spawn_durable_with(&inbox, "bench", &log, true)?;
    server.wait_ready(Instant::now())?;
    let sent = send(server.port, RESTART_QUEUED, 16, 202)?;
    server.child.kill()?;
    server.child.wait()?;
    let started = Instant::now();
    let mut server = Server::spawn_durable_with(&inbox, "bench", &log, true)?;
    let restart = server.wait_ready(started)?;
    let found = inbox_waiting(server.port)?;
    eprintln!(
        "durable (SQLite): {sent} queued, killed, serving again after {:.1} ms with {found} waiting",
        restart.as_secs_f64() * 1000.0
    );
    Ok(SqliteDurable {
        rows,
        queued: (sent, found),
        restart,
    })
}

/// The variable naming the PostgreSQL server the durable rows use (the tests' own).
const POSTGRES_VAR: &str = "WEBHOOKS_TEST_POSTGRES_URL";

/// One durable point: `replicas` processes of `durable` on one PostgreSQL inbox, under
/// `connections` connections in all.
struct DurableRow {
    replicas: usize,
    connections: u32,
    requests_per_second: f64,
    p99_ms: f64,
    errors: u64,
}

/// Runs `psql` on `url` with `sql`; what it printed (unaligned, tuples only).
fn psql(url: &str, sql: &str) -> io::Result<String> {
    let output = Command::new("psql")
        .args(["-v", "ON_ERROR_STOP=1", "-q", "-At", "-c", sql, url])
        .stdin(Stdio::null())
        .output()?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(io::Error::other(format!(
            "psql failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )))
    }
}

/// Waits (at most three minutes) until no delivery waits for a worker, so that a point is not
/// measured while the workers drain the previous one's. (Claims a stopped replica held stay
/// running until their lease ends; they are not waited for.)
fn wait_drained(url: &str, schema: &str) -> io::Result<()> {
    let sql = format!("SELECT count(*) FROM {schema}.webhooks_deliveries WHERE state = 'waiting'");
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let left = psql(url, &sql)?;
        if left == "0" {
            return Ok(());
        }
        if Instant::now() > deadline {
            eprintln!("  {left} deliveries still queued: measuring anyway");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The durable rows, when `WEBHOOKS_TEST_POSTGRES_URL` is set: the queued endpoint's
/// deliveries per second and p99 to the `202`, with 1 and 2 replicas on one database, in a
/// schema made for the run and dropped after it.
fn durable(options: &Options, script: &Path) -> io::Result<Option<Vec<DurableRow>>> {
    let Some(url) = std::env::var(POSTGRES_VAR)
        .ok()
        .filter(|url| !url.is_empty())
    else {
        eprintln!("durable deliveries: skipped (set {POSTGRES_VAR})");
        return Ok(None);
    };
    let schema = format!("webhooks_bench_{}", std::process::id());
    psql(&url, &format!("CREATE SCHEMA {schema}"))?;
    eprintln!("durable deliveries: PostgreSQL inbox in schema {schema}");
    let separator = if url.contains('?') { '&' } else { '?' };
    let inbox = format!("{url}{separator}options=-csearch_path%3D{schema}");
    let rows = durable_rows(options, script, &inbox, &|| wait_drained(&url, &schema));
    let dropped = psql(&url, &format!("DROP SCHEMA {schema} CASCADE"));
    let rows = rows?;
    dropped?;
    Ok(Some(rows))
}

fn durable_rows(
    options: &Options,
    script: &Path,
    inbox: &str,
    drained: &dyn Fn() -> io::Result<()>,
) -> io::Result<Vec<DurableRow>> {
    let mut rows = Vec::new();
    for replicas in [1, 2] {
        let mut servers = Vec::new();
        for replica in 0..replicas {
            let log = script.with_file_name(format!("durable-{replicas}-{replica}.log"));
            let mut server = Server::spawn_durable(inbox, &format!("bench-{replica}"), &log)?;
            server.wait_listening()?;
            servers.push(server);
        }
        if options.warmup > 0 {
            wrk_all(&servers, 16, options.warmup, script)?;
        }
        for connections in [16, 64] {
            let mut best: Option<DurableRow> = None;
            for _ in 0..options.rounds {
                drained()?;
                wait_quiet();
                let loads = wrk_all(&servers, connections, options.duration, script)?;
                let row = DurableRow {
                    replicas,
                    connections,
                    requests_per_second: loads.iter().map(|load| load.requests_per_second).sum(),
                    p99_ms: loads.iter().map(|load| load.p99_ms).fold(0.0, f64::max),
                    errors: loads.iter().map(|load| load.errors).sum(),
                };
                eprintln!(
                    "durable, {replicas} replica(s), {connections:>3} connections: {:>7.0} deliveries/s  p99 {:.3} ms  errors {}",
                    row.requests_per_second, row.p99_ms, row.errors
                );
                if row.errors > 0 {
                    print_server_logs(script, replicas);
                }
                if best
                    .as_ref()
                    .is_none_or(|best| row.requests_per_second > best.requests_per_second)
                {
                    best = Some(row);
                }
            }
            rows.extend(best);
        }
    }
    Ok(rows)
}

/// What the durable servers logged, each distinct line once (at most 10 per server).
fn print_server_logs(script: &Path, replicas: usize) {
    for replica in 0..replicas {
        let log = script.with_file_name(format!("durable-{replicas}-{replica}.log"));
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let mut seen = std::collections::BTreeSet::new();
        for line in text.lines() {
            // Without the timestamp, so that repeats show once.
            let message = line.split_once(' ').map_or(line, |(_, rest)| rest);
            if seen.insert(message) && seen.len() <= 10 {
                eprintln!("  replica {replica}: {message}");
            }
        }
    }
}

/// One wrk per server at once, `connections` split between them, unpinned.
fn wrk_all(
    servers: &[Server],
    connections: u32,
    seconds: u64,
    script: &Path,
) -> io::Result<Vec<Load>> {
    let share = (connections / servers.len() as u32).max(1);
    std::thread::scope(|scope| {
        let runs: Vec<_> = servers
            .iter()
            .map(|server| scope.spawn(move || wrk(server.port, share, seconds, script, false)))
            .collect();
        runs.into_iter()
            .map(|run| {
                run.join()
                    .map_err(|_| io::Error::other("a wrk thread panicked"))?
            })
            .collect()
    })
}

fn sqlite_report(sqlite: &SqliteDurable) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## Durable deliveries (the default inbox, SQLite)\n");
    let _ = writeln!(
        out,
        "`durable` (`src/bin/durable.rs`): the same endpoint, queued, so each `202` follows the delivery's commit to the SQLite inbox (default durability: it survives `kill -9`) while the server's workers run the deliveries. Unpinned; each round starts once the workers have run everything queued before it (read from `/metrics`); the best of the rounds. Then a restart: {RESTART_QUEUED} deliveries queued (their handler never finishes), `kill -9`, the server started again on the same file, timed from spawning it to its first `202`.\n"
    );
    let _ = writeln!(
        out,
        "| connections | deliveries/s | p99 to the 202 | errors |"
    );
    let _ = writeln!(out, "| ---: | ---: | ---: | ---: |");
    for row in &sqlite.rows {
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} ms | {} |",
            row.connections, row.requests_per_second, row.p99_ms, row.errors
        );
    }
    let (sent, found) = sqlite.queued;
    let restart_ms = sqlite.restart.as_secs_f64() * 1000.0;
    let _ = writeln!(out, "\n| target | measured | met |\n| --- | --- | --- |");
    if let Some(row) = sqlite.rows.iter().find(|row| row.connections == 64) {
        let _ = writeln!(
            out,
            "| ≥ 5,000 durable deliveries/s at 64 connections | {:.0} | {} |",
            row.requests_per_second,
            met(row.requests_per_second >= 5000.0)
        );
        let _ = writeln!(
            out,
            "| p99 to the 202 ≤ 10 ms at 64 connections | {:.2} ms | {} |",
            row.p99_ms,
            met(row.p99_ms <= 10.0)
        );
    }
    let _ = writeln!(
        out,
        "| serving again ≤ 200 ms after `kill -9` with {RESTART_QUEUED} queued | {restart_ms:.1} ms ({sent} queued, {found} found waiting) | {} |",
        met(restart_ms <= 200.0 && found >= sent as u64)
    );
    out
}

fn durable_report(rows: &[DurableRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\n## Durable deliveries (PostgreSQL inbox)\n");
    let _ = writeln!(
        out,
        "`durable` (`src/bin/durable.rs`): the same endpoint, queued, so each `202` follows the delivery's commit to a PostgreSQL inbox (`{POSTGRES_VAR}`, a schema made for the run) while the replicas' workers run the deliveries; 1 replica, then 2 processes on the same database with one wrk each (the connections split between them). Unpinned: servers, wrk and PostgreSQL share the machine's cores. Each round starts once the workers have run everything queued before it; the best of the rounds.\n"
    );
    let _ = writeln!(
        out,
        "| replicas | connections | deliveries/s | p99 to the 202 | errors |"
    );
    let _ = writeln!(out, "| ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.2} ms | {} |",
            row.replicas, row.connections, row.requests_per_second, row.p99_ms, row.errors
        );
    }
    if let Some(row) = rows
        .iter()
        .find(|row| row.replicas == 1 && row.connections == 64)
    {
        let _ = writeln!(out, "\n| target | measured | met |\n| --- | --- | --- |");
        let _ = writeln!(
            out,
            "| ≥ 3,000 durable deliveries/s, 1 replica, 64 connections | {:.0} | {} |",
            row.requests_per_second,
            met(row.requests_per_second >= 3000.0)
        );
        let _ = writeln!(
            out,
            "| p99 to the 202 ≤ 20 ms, 1 replica, 64 connections | {:.2} ms | {} |",
            row.p99_ms,
            met(row.p99_ms <= 20.0)
        );
    }
    out
}

fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let memory_gib =
        kib(&read("/proc/meminfo"), "MemTotal:").map_or(0.0, |kib| kib as f64 / 1024.0 / 1024.0);
    let os = read("/etc/os-release")
        .lines()
        .find_map(|line| line.strip_prefix("PRETTY_NAME="))
        .map(|name| name.trim_matches('"').to_owned())
        .unwrap_or_default();
    let kernel = read("/proc/sys/kernel/osrelease").trim().to_owned();
    let command_line = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .ok()
            .map(|out| {
                let text = [out.stdout, out.stderr].concat();
                String::from_utf8_lossy(&text)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            })
            .unwrap_or_default()
    };
    let rustc = command_line("rustc", "--version");
    let wrk = command_line("wrk", "--version");
    let wrk = wrk.split(" Copyright").next().unwrap_or_default();
    let date = command_line("date", "-u");
    format!(
        "- Date: {date}\n- Machine: {cores} cores ({cpu}), {memory_gib:.0} GiB of memory, {os}, Linux {kernel}\n- Toolchain: {rustc}, release profile; load generator: {wrk}"
    )
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

fn size(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

fn met(ok: bool) -> &'static str {
    if ok { "yes" } else { "**no**" }
}

/// What each optional part of `ours` costs: its throughput with that part off, and with all four
/// off, against the baseline and against the default, with the instructions per delivery when
/// they were counted.
fn parts_table(out: &mut String, points: &[Point], counted: &[instructions::Counted]) {
    const PARTS: [(Config, &str); 5] = [
        (
            Config::LogOff,
            "`RUST_LOG=warn`: the access line filtered out",
        ),
        (Config::MetricsOff, "`.metrics(false)`"),
        (
            Config::ActivityOff,
            "`.recent_deliveries(0)`: no activity log",
        ),
        (Config::DedupOff, "`.dedup(false)`: ids not remembered"),
        (Config::AllOff, "the four together"),
    ];
    if points
        .iter()
        .all(|point| PARTS.iter().all(|(config, _)| point.of(*config).is_empty()))
    {
        return;
    }
    let _ = writeln!(out, "\n### What each optional part costs\n");
    let _ = writeln!(
        out,
        "`ours` with one part off (the log and all four at every point, the others at 64 connections), measured in the same rounds as the table above. `/ default` above 1 is what turning the part off gains. Instructions per delivery: callgrind at {} connections (below); they miss what a part costs in cache misses, which the throughput shows.\n",
        instructions::CONNECTIONS
    );
    let _ = writeln!(out, "| part off | how | instructions per delivery |");
    let _ = writeln!(out, "| --- | --- | ---: |");
    for (config, how) in PARTS {
        let instructions = instructions::per_delivery(counted, config.name())
            .map_or_else(|| "–".to_owned(), |count| format!("{count:.0}"));
        let _ = writeln!(out, "| {} | {how} | {instructions} |", config.name());
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "| connections | configuration | req/s | / baseline | / default | p50 | p99 | errors |"
    );
    let _ = writeln!(
        out,
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for point in points {
        for (config, _) in PARTS {
            let runs = point.of(config);
            if runs.is_empty() {
                continue;
            }
            let load = Point::median(runs);
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.2} | {:.2} | {:.3} ms | {:.3} ms | {} |",
                point.connections,
                config.name(),
                load.requests_per_second,
                Point::ratio(runs, &point.baseline),
                Point::ratio(runs, &point.ours),
                load.p50_ms,
                load.p99_ms,
                load.errors
            );
        }
    }
}

/// What an access line costs: the baseline's throughput with one against without, beside `ours`'
/// with its log on against off; and, in instructions when they were counted, what share of the
/// baseline's work the line alone takes.
fn access_line_table(out: &mut String, points: &[Point], counted: &[instructions::Counted]) {
    if points.iter().all(|point| point.baseline_logged.is_empty()) {
        return;
    }
    let _ = writeln!(out, "\n### What an access line costs\n");
    let _ = writeln!(
        out,
        "`baseline + access line` (`src/bin/baseline_logged.rs`) is the baseline writing the same line as `ours` for every request (the delivery's endpoint, id, scope, action and repo, method, path, status, latency), as cheaply as it can be written: the date formatted once a second, the line appended to a buffer the worker thread writes to stderr (a file) every 64 KiB, no escaping, no lock, no thread. Measured in the same rounds as the tables above; each ratio is the median of the rounds' ratios.\n"
    );
    let _ = writeln!(
        out,
        "| connections | baseline + access line req/s | / baseline | ours / ours, log off | ours / (baseline + access line) |"
    );
    let _ = writeln!(out, "| ---: | ---: | ---: | ---: | ---: |");
    for point in points {
        if point.baseline_logged.is_empty() {
            continue;
        }
        let log_cost = if point.log_off.is_empty() {
            "–".to_owned()
        } else {
            format!("{:.2}", Point::ratio(&point.ours, &point.log_off))
        };
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.2} | {log_cost} | {:.2} |",
            point.connections,
            Point::median(&point.baseline_logged).requests_per_second,
            Point::ratio(&point.baseline_logged, &point.baseline),
            Point::ratio(&point.ours, &point.baseline_logged),
        );
    }
    let lowest = points
        .iter()
        .filter(|point| point.connections >= 16 && !point.baseline_logged.is_empty())
        .map(|point| Point::ratio(&point.baseline_logged, &point.baseline))
        .min_by(f64::total_cmp);
    if let Some(lowest) = lowest {
        let _ = writeln!(
            out,
            "\nFrom 16 connections up, the baseline with an access line does at least {lowest:.2} of the baseline without in throughput."
        );
    }
    let per_delivery = |name| instructions::per_delivery(counted, name);
    if let (Some(baseline), Some(logged), Some(ours), Some(log_off)) = (
        per_delivery("baseline"),
        per_delivery("baseline + access line"),
        per_delivery(Config::Default.name()),
        per_delivery(Config::LogOff.name()),
    ) {
        let _ = writeln!(
            out,
            "In instructions per delivery (callgrind, below), the line written as cheaply as it can be costs {:.0} ({:.1} % of the baseline's {baseline:.0}; the baseline with it does {:.2} of the baseline without), and `ours`' log (the line and the delivery's span) {:.0}: a target of 0.95 leaves 5 % of the baseline's work for everything a framework adds, the line included.",
            logged - baseline,
            (logged - baseline) / baseline * 100.0,
            baseline / logged,
            ours - log_off,
        );
    }
}

/// The servers' CPU time per delivery, user space and kernel apart, at each point.
fn cpu_table(out: &mut String, points: &[Point]) {
    let _ = writeln!(out, "\n### CPU time per delivery\n");
    let _ = writeln!(
        out,
        "The server process's own CPU time during each run (`utime` and `stime` in `/proc/<pid>/stat`, every thread) over the deliveries it answered, medians over the rounds. Pinned to one core and kept busy by wrk, a server answers about one delivery per this much CPU time, so where the throughput ratio comes from shows here: in user space (the server's own code and the libraries it calls) or in the kernel (system calls, waking the client up).\n"
    );
    let _ = writeln!(
        out,
        "| connections | baseline user | baseline kernel | ours user | ours kernel | log off user | log off kernel | baseline + line user | baseline + line kernel |"
    );
    let _ = writeln!(
        out,
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for point in points {
        let mut row = format!("| {} |", point.connections);
        for runs in [
            &point.baseline,
            &point.ours,
            &point.log_off,
            &point.baseline_logged,
        ] {
            if runs.is_empty() {
                row.push_str(" – | – |");
            } else {
                let load = Point::median(runs);
                let _ = write!(row, " {:.1} µs | {:.1} µs |", load.user_us, load.system_us);
            }
        }
        let _ = writeln!(out, "{row}");
    }
}

fn report(
    options: &Options,
    machine: &str,
    answer: &str,
    points: &[Point],
    counted: &[instructions::Counted],
    ours: &Footprint,
    baseline: &Footprint,
) -> String {
    let mut out = String::new();
    let setup = if options.pin {
        format!(
            "each server pinned to CPU {SERVER_CPU} (`taskset`, so tokio runs 1 worker thread), wrk (1 thread) pinned to CPU {LOAD_CPU}"
        )
    } else {
        "no pinning: servers (2 worker threads) and wrk (1 thread) share both cores".to_owned()
    };
    let _ = writeln!(out, "# Benchmark results\n");
    let _ = writeln!(
        out,
        "Written by `bash bench/run.sh` (see `bench/README.md` for the method and the profiling notes).\n"
    );
    let _ = writeln!(out, "{machine}");
    let _ = writeln!(
        out,
        "- Load: `POST {ROUTE}` with the Hub docs' discussion payload ({} bytes) and `{SECRET_HEADER}`, keep-alive; per point {} rounds of {} s per server, the servers alternating, after a {} s warm-up; figures are the medians over the rounds, the ratio the median of the rounds' ratios; {setup}. All the servers answer `200 {answer}`.",
        PAYLOAD.len(),
        options.rounds,
        options.duration,
        options.warmup,
    );
    let _ = writeln!(
        out,
        "- `ours`: `#[webhook_endpoint] async fn bench(payload: WebhookPayload) -> Json<Answer>` + `webhooks::main!()` with every default, as a user runs it: `RUST_LOG` unset, so one access line per request (stderr to a file, as a log collector would receive it), metrics, deduplication by `Webhook-Id`, activity log, landing page, timeouts, connection bound.\n- `baseline`: hand-written hyper 1 + hyper-util + tokio: path and secret check, `collect()` the body, `serde_json::from_slice::<WebhookPayload>`, the same answer; no timeouts, limits, logs or deduplication.\n- Every request carries a `Webhook-Id` of its own, as every delivery from the Hub does.\n"
    );

    let _ = writeln!(out, "## Throughput and latency\n");
    let _ = writeln!(
        out,
        "| connections | baseline req/s | ours req/s | ours / baseline | baseline p50 | ours p50 | baseline p99 | ours p99 | errors baseline / ours |"
    );
    let _ = writeln!(
        out,
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for point in points {
        let (base, ours) = (Point::median(&point.baseline), Point::median(&point.ours));
        let _ = writeln!(
            out,
            "| {} | {:.0} | {:.0} | {:.2} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms | {} / {} |",
            point.connections,
            base.requests_per_second,
            ours.requests_per_second,
            Point::ratio(&point.ours, &point.baseline),
            base.p50_ms,
            ours.p50_ms,
            base.p99_ms,
            ours.p99_ms,
            base.errors,
            ours.errors,
        );
    }

    let worst_interference = points
        .iter()
        .flat_map(Point::runs)
        .map(|load| load.interference)
        .fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "\nOther processes used at most {worst_interference:.2} cores during any point (a point is measured again, up to {ATTEMPTS} times, above {MAX_INTERFERENCE})."
    );

    parts_table(&mut out, points, counted);
    access_line_table(&mut out, points, counted);
    cpu_table(&mut out, points);

    if let [baseline, rest @ ..] = counted {
        let _ = writeln!(out, "\n## Instructions per delivery (callgrind)\n");
        let _ = writeln!(
            out,
            "The steadier measure on a shared machine: each server under `valgrind --tool=callgrind`, pinned as above, loaded by wrk over {} connections for 2 s and then for 6 s; the difference of the two runs' instructions over the difference of their deliveries, so that starting and stopping do not count. Every thread is counted (the log's writer too). `/ baseline` is the baseline's count over the server's, like the throughput ratio.\n",
            instructions::CONNECTIONS
        );
        let _ = writeln!(
            out,
            "| server | instructions per delivery | / baseline | deliveries in the 6 s run |"
        );
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        for counted in [baseline].into_iter().chain(rest) {
            let _ = writeln!(
                out,
                "| {} | {:.0} | {:.2} | {} |",
                counted.name,
                counted.per_delivery,
                baseline.per_delivery / counted.per_delivery,
                counted.deliveries
            );
        }
    }

    let _ = writeln!(out, "\n## Startup, memory, size\n");
    let _ = writeln!(
        out,
        "Unpinned (2 worker threads), the default configuration (log to a file). Startup: from spawning the process to its first `200`, median of {}. Memory: `VmRSS` of a fresh process listening but never asked anything, then after {} deliveries over {MEMORY_CONNECTIONS} keep-alive connections (all `200`: ours {}, baseline {}).\n",
        options.startups, options.deliveries, ours.delivered, baseline.delivered
    );
    let _ = writeln!(out, "| | ours | baseline |");
    let _ = writeln!(out, "| --- | ---: | ---: |");
    let _ = writeln!(
        out,
        "| startup (spawn → first 200) | {:.1} ms | {:.1} ms |",
        ours.startup.as_secs_f64() * 1000.0,
        baseline.startup.as_secs_f64() * 1000.0
    );
    let _ = writeln!(
        out,
        "| idle RSS | {} | {} |",
        mib(ours.idle_rss_kib),
        mib(baseline.idle_rss_kib)
    );
    let _ = writeln!(
        out,
        "| RSS after {} deliveries | {} | {} |",
        options.deliveries,
        mib(ours.after_rss_kib),
        mib(baseline.after_rss_kib)
    );
    let _ = writeln!(
        out,
        "| peak RSS (`VmHWM`) | {} | {} |",
        mib(ours.peak_rss_kib),
        mib(baseline.peak_rss_kib)
    );
    let stripped = |f: &Footprint| f.stripped_bytes.map_or("n/a".into(), size);
    let _ = writeln!(
        out,
        "| release binary (stripped) | {} ({}) | {} ({}) |",
        size(ours.binary_bytes),
        stripped(ours),
        size(baseline.binary_bytes),
        stripped(baseline)
    );

    let _ = writeln!(out, "\n## Targets\n");
    let _ = writeln!(out, "| target | measured | met |");
    let _ = writeln!(out, "| --- | --- | --- |");
    // The default configuration, logs on: at least 0.95 of bare hyper from 16 connections up.
    let worst = points
        .iter()
        .filter(|point| point.connections >= 16)
        .map(|point| {
            (
                point.connections,
                Point::ratio(&point.ours, &point.baseline),
            )
        })
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((connections, ratio)) = worst {
        // The instruction count, steadier than the wall clock, said beside it.
        let counted = match (
            instructions::per_delivery(counted, "baseline"),
            instructions::per_delivery(counted, Config::Default.name()),
        ) {
            (Some(baseline), Some(ours)) => {
                format!("; in instructions per delivery {:.2}", baseline / ours)
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| default configuration (log on) ≥ 0.95 × baseline at 16, 64, 256 connections | lowest {ratio:.2} (at {connections}){counted} | {} |",
            met(ratio >= 0.95)
        );
    }
    if let Some(point) = points
        .iter()
        .find(|point| point.connections == 64 && !point.metrics_off.is_empty())
    {
        let cost = 1.0 - Point::ratio(&point.ours, &point.metrics_off);
        let counted = match (
            instructions::per_delivery(counted, Config::Default.name()),
            instructions::per_delivery(counted, Config::MetricsOff.name()),
        ) {
            (Some(ours), Some(metrics_off)) => format!(
                "; in instructions per delivery {:.1} %",
                (1.0 - metrics_off / ours) * 100.0
            ),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| metrics cost ≤ 2 % (default / metrics off, 64 connections) | {:.1} %{counted} | {} |",
            cost * 100.0,
            met(cost <= 0.02)
        );
    }
    if let Some(load) = points
        .iter()
        .find(|point| point.connections == 64)
        .map(|point| Point::median(&point.ours))
    {
        let _ = writeln!(
            out,
            "| p99 ≤ 5 ms at 64 connections | {:.3} ms | {} |",
            load.p99_ms,
            met(load.p99_ms <= 5.0)
        );
    }
    let startup_ms = ours.startup.as_secs_f64() * 1000.0;
    let _ = writeln!(
        out,
        "| startup ≤ 50 ms | {startup_ms:.1} ms | {} |",
        met(startup_ms <= 50.0)
    );
    let _ = writeln!(
        out,
        "| idle RSS ≤ 10 MiB | {} | {} |",
        mib(ours.idle_rss_kib),
        met(ours.idle_rss_kib <= 10 * 1024)
    );
    let errors: u64 = points
        .iter()
        .flat_map(Point::runs)
        .map(|load| load.errors)
        .sum();
    let failed = (options.deliveries - ours.delivered) + (options.deliveries - baseline.delivered);
    let _ = writeln!(
        out,
        "| zero errors | {} | {} |",
        errors + failed as u64,
        met(errors == 0 && failed == 0)
    );

    if let Some(path) = &options.parse_results {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let table: Vec<&str> = text
            .lines()
            .skip_while(|line| !line.starts_with("parse"))
            .collect();
        if !table.is_empty() {
            let _ = writeln!(
                out,
                "\n## Payload parsing (`cargo bench -p webhooks-bench --bench parse`)\n"
            );
            let _ = writeln!(
                out,
                "divan, one fixture of `webhooks-runtime/payloads/` per row: `payload` is `WebhookPayload::from_slice` (what a handler argument runs: field paths for errors, version check), `serde` is plain `serde_json::from_slice::<WebhookPayload>` (what the baseline runs), `value` is `serde_json::from_slice::<serde_json::Value>`, `tracked` is the same structs through `serde_path_to_error` (what every delivery paid before `from_slice` kept path tracking for documents that fail).\n"
            );
            let _ = writeln!(out, "```text\n{}\n```", table.join("\n").trim_end());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A count of `per_delivery` instructions for the server named `name`.
    fn counted((name, per_delivery): (&'static str, f64)) -> instructions::Counted {
        instructions::Counted {
            name,
            per_delivery,
            deliveries: 1,
        }
    }

    /// The rows of the tables in `out`.
    fn table_rows(out: &str) -> Vec<&str> {
        out.lines().filter(|line| line.starts_with("| ")).collect()
    }

    fn loads(requests_per_second: &[f64]) -> Vec<Load> {
        requests_per_second
            .iter()
            .map(|&requests_per_second| Load {
                requests_per_second,
                ..Load::default()
            })
            .collect()
    }

    #[test]
    fn the_access_line_table_gives_each_ratio_per_round_and_the_instructions_it_costs() {
        let point = |connections, baseline: &[f64], logged: &[f64], log_off: &[f64]| Point {
            connections,
            baseline: loads(baseline),
            ours: loads(&[80.0, 72.0, 90.0]),
            log_off: loads(log_off),
            baseline_logged: loads(logged),
            ..Point::default()
        };
        let points = [
            // Without the log-off variant (as at a point where it was not measured).
            point(1, &[10.0, 10.0, 10.0], &[9.0, 9.0, 9.0], &[]),
            point(
                16,
                &[100.0, 90.0, 100.0],
                &[95.0, 90.0, 80.0],
                &[100.0, 90.0, 100.0],
            ),
            point(
                64,
                &[100.0, 100.0, 100.0],
                &[97.0, 98.0, 99.0],
                &[80.0, 80.0, 80.0],
            ),
        ];
        let counted = [
            ("baseline", 40_000.0),
            ("ours", 48_000.0),
            ("ours, log off", 45_000.0),
            ("ours, metrics off", 47_900.0),
            ("baseline + access line", 42_000.0),
        ]
        .map(counted);
        let mut out = String::new();
        access_line_table(&mut out, &points, &counted);
        let rows = table_rows(&out);
        assert_eq!(
            rows,
            [
                "| connections | baseline + access line req/s | / baseline | ours / ours, log off | ours / (baseline + access line) |",
                "| ---: | ---: | ---: | ---: | ---: |",
                "| 1 | 9 | 0.90 | – | 8.89 |",
                // Round by round: 0.95, 1.00, 0.80 (median 0.95); 0.80, 0.80, 0.90 (0.80);
                // 0.84, 0.80, 1.125 (0.84).
                "| 16 | 90 | 0.95 | 0.80 | 0.84 |",
                "| 64 | 98 | 0.98 | 1.00 | 0.82 |",
            ]
        );
        assert!(
            out.contains("From 16 connections up, the baseline with an access line does at least 0.95 of the baseline without in throughput.\n"),
            "{out}"
        );
        assert!(
            out.contains("the line written as cheaply as it can be costs 2000 (5.0 % of the baseline's 40000; the baseline with it does 0.95 of the baseline without), and `ours`' log (the line and the delivery's span) 3000:"),
            "{out}"
        );

        let mut out = String::new();
        access_line_table(&mut out, &[Point::default()], &[]);
        assert_eq!(out, "", "nothing when the variant was not measured");
    }

    #[test]
    fn the_parts_table_gives_each_part_where_it_was_measured_with_its_instructions() {
        let points = [
            // The log and all four off at every point; the others at 64 connections only.
            Point {
                connections: 16,
                baseline: loads(&[100.0, 100.0, 100.0]),
                ours: loads(&[80.0, 80.0, 80.0]),
                log_off: loads(&[88.0, 84.0, 92.0]),
                all_off: loads(&[96.0, 90.0, 92.0]),
                ..Point::default()
            },
            Point {
                connections: 64,
                baseline: loads(&[100.0, 100.0, 100.0]),
                ours: loads(&[80.0, 80.0, 80.0]),
                log_off: loads(&[84.0, 84.0, 84.0]),
                metrics_off: loads(&[80.0, 80.8, 82.0]),
                activity_off: loads(&[84.0, 83.2, 82.0]),
                dedup_off: loads(&[87.0, 84.0, 88.0]),
                all_off: loads(&[92.0, 92.0, 92.0]),
                ..Point::default()
            },
        ];
        // Not counted: `ours, deduplication off`.
        let counted = [
            ("baseline", 40_000.0),
            ("ours", 48_000.0),
            ("ours, log off", 45_000.0),
            ("ours, metrics off", 47_900.0),
            ("ours, activity log off", 47_600.0),
            ("ours, all four off", 44_000.0),
        ]
        .map(counted);
        let mut out = String::new();
        parts_table(&mut out, &points, &counted);
        let rows = table_rows(&out);
        assert_eq!(
            rows,
            [
                "| part off | how | instructions per delivery |",
                "| --- | --- | ---: |",
                "| ours, log off | `RUST_LOG=warn`: the access line filtered out | 45000 |",
                "| ours, metrics off | `.metrics(false)` | 47900 |",
                "| ours, activity log off | `.recent_deliveries(0)`: no activity log | 47600 |",
                "| ours, deduplication off | `.dedup(false)`: ids not remembered | – |",
                "| ours, all four off | the four together | 44000 |",
                "| connections | configuration | req/s | / baseline | / default | p50 | p99 | errors |",
                "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
                "| 16 | ours, log off | 88 | 0.88 | 1.10 | 0.000 ms | 0.000 ms | 0 |",
                "| 16 | ours, all four off | 92 | 0.92 | 1.15 | 0.000 ms | 0.000 ms | 0 |",
                "| 64 | ours, log off | 84 | 0.84 | 1.05 | 0.000 ms | 0.000 ms | 0 |",
                "| 64 | ours, metrics off | 81 | 0.81 | 1.01 | 0.000 ms | 0.000 ms | 0 |",
                "| 64 | ours, activity log off | 83 | 0.83 | 1.04 | 0.000 ms | 0.000 ms | 0 |",
                "| 64 | ours, deduplication off | 87 | 0.87 | 1.09 | 0.000 ms | 0.000 ms | 0 |",
                "| 64 | ours, all four off | 92 | 0.92 | 1.15 | 0.000 ms | 0.000 ms | 0 |",
            ]
        );

        let mut out = String::new();
        parts_table(&mut out, &[Point::default()], &counted);
        assert_eq!(out, "", "nothing when no part was measured off");
    }

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Args::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))
            .map(Options::from)
    }

    #[test]
    fn stat_fields_are_numbered_as_in_proc_5() {
        // A command name with a space and a parenthesis; utime (14) 1234, stime (15) 56, cutime
        // (16) 7, cstime (17) 8.
        let stat = "4242 (we ird) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 56 7 8 20 0 3 0";
        let fields = super::stat_fields(stat);
        assert_eq!(&fields[14 - 3..=17 - 3], &[1234, 56, 7, 8]);
        assert_eq!(fields[0], 0, "the state is not a number");
    }

    #[test]
    fn defaults() {
        let options = parse(&[]).unwrap();
        assert_eq!(
            (options.duration, options.rounds, options.warmup),
            (2, 10, 3)
        );
        assert_eq!(options.connections, [1, 16, 64, 256]);
        assert!(options.pin && options.variants);
        assert_eq!((options.startups, options.deliveries), (10, 100_000));
        assert_eq!(options.parse_results, None);
        assert_eq!(options.out, Some(Path::new(ROOT).join("bench/RESULTS.md")));
    }

    #[test]
    fn every_option() {
        let options = parse(&[
            "--duration",
            "7",
            "--rounds",
            "2",
            "--warmup",
            "0",
            "--connections",
            "4, 32",
            "--no-pin",
            "--no-variants",
            "--parse-results",
            "parse.txt",
            "--out",
            "out.md",
        ])
        .unwrap();
        assert_eq!(
            (options.duration, options.rounds, options.warmup),
            (7, 2, 0)
        );
        assert_eq!(options.connections, [4, 32]);
        assert!(!options.pin && !options.variants);
        assert_eq!(options.parse_results, Some(PathBuf::from("parse.txt")));
        assert_eq!(options.out, Some(PathBuf::from("out.md")));
        assert_eq!(parse(&["--out", "-"]).unwrap().out, None);
    }

    #[test]
    fn quick_shortens_what_is_not_given() {
        let options = parse(&["--quick"]).unwrap();
        assert_eq!(
            (options.duration, options.rounds, options.warmup),
            (2, 1, 1)
        );
        assert_eq!((options.startups, options.deliveries), (3, 20_000));
        let options = parse(&["--quick", "--duration", "4"]).unwrap();
        assert_eq!((options.duration, options.rounds), (4, 1));
    }

    #[test]
    fn the_last_of_a_repeated_option_wins() {
        let options = parse(&[
            "--connections",
            "1,2",
            "--connections",
            "3",
            "--rounds",
            "5",
            "--rounds",
            "6",
        ])
        .unwrap();
        assert_eq!(options.connections, [3]);
        assert_eq!(options.rounds, 6);
    }

    #[test]
    fn zero_and_garbage_are_refused() {
        for args in [
            &["--duration", "0"][..],
            &["--rounds", "0"],
            &["--connections", "1,0"],
            &["--connections", "1,,2"],
            &["--duration", "x"],
            &["--warmup", "-1"],
            &["--duration"],
            &["--no-parse"],
            &["--unknown"],
        ] {
            assert!(parse(args).is_err(), "{args:?} was accepted");
        }
    }
}
