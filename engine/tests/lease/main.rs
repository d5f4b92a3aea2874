//! The lease lab (`lease`). Here: the helpers, the notes' steps 1–5 message by message, the
//! write latency against the lease length (a table), messages per read in both modes, and bad
//! input. In `presets.rs`: each preset's lesson. In `faults.rs`: no stale read under thousands
//! of random fault schedules with every clock's drift within the margin's bound, stale reads
//! beyond it, the test-only broken caches caught, the sequencer off caught, determinism and
//! the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{calm, config, fault_rates, fault_seed, faulted_hash, sends_of, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::lease::{self, Config, Lease};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, Time, MS};

pub const SERVER: NodeId = 0;
pub const C2: NodeId = 1;
pub const C3: NodeId = 2;

pub fn session(q: &str) -> NetSession<Lease> {
    let cfg = config(q);
    lease::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Lease> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    lease::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<Lease> {
    let mut s = session(&format!("lab=lease&scenario={id}"));
    let info = labs::find("lease")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

/// A preset run to its end.
pub fn played(id: &str) -> NetSession<Lease> {
    let mut s = preset(id);
    let d = labs::find("lease")
        .and_then(|l| l.scenario(id))
        .expect("preset")
        .duration_ms;
    s.run_until(d * MS);
    s
}

pub fn cmd(node: NodeId, name: &str, arg: &str) -> Action {
    Action::Command {
        node,
        name: name.into(),
        arg: Some(arg.into()),
    }
}

pub fn sim(s: &NetSession<Lease>) -> &distlab_engine::sim::Sim<Lease> {
    &s.session.sim
}

/// Times (ms) of the notes `key` at `node`.
pub fn noted(s: &NetSession<Lease>, key: &str, node: NodeId) -> Vec<Time> {
    sim(s)
        .notes(key)
        .filter(|&(_, n, _)| n == node)
        .map(|(t, _, _)| t / MS)
        .collect()
}

/// (ms, from, to) of every message of `kind`.
pub fn sends(s: &NetSession<Lease>, kind: &str) -> Vec<(Time, NodeId, NodeId)> {
    sends_of(s.trace(), kind)
        .map(|(t, a, b)| (t / MS, a, b))
        .collect()
}

pub fn invariants(s: &NetSession<Lease>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

/// The notes' steps 1–5, message by message: a fetch gets data and a lease; a read under a
/// valid lease sends nothing; a write waits until the last lease issued has expired on the
/// server's clock, is installed, pushed to the holders (data, no lease); a read after that asks
/// again and, the data unchanged since the push, gets a renewal (lease, no data).
#[test]
fn the_notes_steps_one_to_five() {
    let s = played("lease-read-write");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    // Step 1: the fetches of c2 (100 ms) and c3 (150 ms), answered with data and leases.
    assert_eq!(
        sends(&s, "Fetch"),
        vec![(100, C2, SERVER), (150, C3, SERVER), (1_300, C2, SERVER)]
    );
    assert_eq!(
        sends(&s, "Data"),
        vec![(110, SERVER, C2), (160, SERVER, C3)]
    );
    // Step 3: c2's read at 300 ms is served from its copy, with no message.
    assert_eq!(noted(&s, "lease.read_local", C2), vec![300]);
    // Step 4: the write at 400 ms waits for c3's lease (granted at 160 ms, 1,000 ms): installed
    // at 1,160 ms and pushed to both holders.
    assert_eq!(noted(&s, "lease.install", SERVER), vec![1_160]);
    assert_eq!(
        sends(&s, "Update"),
        vec![(1_160, SERVER, C2), (1_160, SERVER, C3)]
    );
    let server = sim(&s).node(SERVER);
    assert_eq!(
        (server.server.data[0].value, server.server.data[0].version),
        (5, 1)
    );
    assert_eq!(stat(&s, "lease.write_latency_mean_ms"), 760.0);
    // Step 5: c2's copy (pushed, v1) is current: a renewal, no data.
    assert_eq!(sends(&s, "Renew"), vec![(1_310, SERVER, C2)]);
    let c2 = &sim(&s).node(C2).cache.items[0];
    assert_eq!((c2.value, c2.version, c2.leased), (5, 1, true));
    // c2 counts its lease from 1,300 ms, the margin off: until 2,250 ms on its clock.
    assert_eq!(c2.lease_until / MS, 2_250);
}

/// Mean request-to-install latency of random writes against the lease length (3 caches, 2
/// keys, 4 reads and 0.3 writes per cache per second, 10–30 ms latency, 20 s): a write waits
/// for the leases issued on its key, so the latency grows with the lease. The version mode,
/// with no lease to wait for, is the floor (a round trip). Prints the table.
#[test]
fn write_latency_against_lease_length() {
    let mut rows = Vec::new();
    for lease_ms in [100, 250, 500, 1_000, 2_000, 4_000] {
        let mut s = session(&format!(
            "lab=lease&seed=7&caches=3&keys=2&reads=4&writes=0.3&lease={lease_ms}&margin={}",
            lease_ms / 20
        ));
        s.set_keep_trace(false);
        s.run_until(20_000 * MS);
        assert!(s.violations().is_empty());
        let mean = stat(&s, "lease.write_latency_mean_ms");
        let local = stat(&s, "lease.reads_local");
        let fetched = stat(&s, "lease.reads_fetched");
        rows.push((
            lease_ms,
            mean,
            stat(&s, "lease.write_latency_max_ms"),
            local / (local + fetched),
            stat(&s, "lease.messages_per_read"),
        ));
    }
    let mut v = session("lab=lease&seed=7&caches=3&keys=2&reads=4&writes=0.3&mode=1");
    v.run_until(20_000 * MS);
    println!("lease (ms) | mean write latency (ms) | max (ms) | reads served locally | messages per read");
    for (l, mean, max, local, per) in &rows {
        println!(
            "{l:>10} | {mean:>23.0} | {max:>8.0} | {:>19.0}% | {per:.2}",
            local * 100.0
        );
    }
    println!(
        "   version | {:>23.0} | {:>8.0} | {:>19.0}% | {:.2}",
        stat(&v, "lease.write_latency_mean_ms"),
        stat(&v, "lease.write_latency_max_ms"),
        0.0,
        stat(&v, "lease.messages_per_read")
    );
    for w in rows.windows(2) {
        assert!(w[1].1 > w[0].1, "latency grows with the lease: {rows:?}");
    }
    // Longer leases serve more reads locally and cost fewer messages per read.
    assert!(rows[5].3 > rows[0].3 && rows[5].4 < rows[0].4);
    assert!(stat(&v, "lease.write_latency_mean_ms") < rows[0].1);
    assert!((stat(&v, "lease.messages_per_read") - 2.0).abs() < 0.01);
}

/// Messages per read: in lease mode most reads cost none; in version mode each costs two.
#[test]
fn messages_per_read_in_both_modes() {
    let mut l =
        session("lab=lease&seed=3&caches=4&keys=2&reads=10&writes=0.1&lease=2000&margin=100");
    l.run_until(10_000 * MS);
    let mut v = session("lab=lease&seed=3&caches=4&keys=2&reads=10&writes=0.1&mode=1");
    v.run_until(10_000 * MS);
    let (pl, pv) = (
        stat(&l, "lease.messages_per_read"),
        stat(&v, "lease.messages_per_read"),
    );
    assert!(pl < 0.5, "lease mode: {pl} messages per read");
    assert!((pv - 2.0).abs() < 1e-9, "version mode: {pv}");
    assert_eq!(stat(&v, "lease.reads_local"), 0.0);
    assert!(stat(&l, "lease.renewals") > 10.0);
    assert!(l.violations().is_empty() && v.violations().is_empty());
}

/// Bad arguments to the commands are refused by the kit or noted by the lab, never a panic.
#[test]
fn bad_input_is_refused() {
    let mut s = session("lab=lease&seed=1&caches=2&keys=2&reads=0&writes=0");
    for (node, name, arg) in [
        (C2, "read", "q"),
        (C2, "read", "z"),
        (C2, "set", "x"),
        (C2, "set", "x,"),
        (C2, "set", "x,-1"),
        (C2, "set", "x,1000000"),
        (C2, "set", ",5"),
        (SERVER, "set", "w,5"),
        (SERVER, "set", "x,5,6"),
        (SERVER, "set", "99999999999999999999,1"),
    ] {
        let _ = s.act(cmd(node, name, arg));
    }
    assert!(s.act(cmd(C2, "set", "x y")).is_err());
    assert!(s.act(cmd(SERVER, "read", "x")).is_err());
    s.run_until(2_000 * MS);
    assert_eq!(noted(&s, "lease.bad_arg", C2).len(), 6);
    assert_eq!(noted(&s, "lease.bad_arg", SERVER).len(), 3);
    assert_eq!(stat(&s, "lease.writes"), 0.0);
    // A good one goes through.
    s.act(cmd(C2, "set", "y,42")).unwrap();
    s.run_until(5_000 * MS);
    assert_eq!(sim(&s).node(SERVER).server.data[1].value, 42);
}
