//! The Redis Cluster lab (`redis-cluster`). Here: the helpers, CRC16 and hash slots against
//! Redis's own vectors, the slot table's claims, and the notes' three masters with key lookups.
//! In `presets.rs`: each preset's lesson. In `faults.rs`: one owner per slot per config epoch
//! under thousands of random fault schedules, the test-only broken promotion caught,
//! determinism, bad input and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{calm, config, fault_rates, fault_seed, faulted_hash, run_json, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::scheduling::redis_cluster::{
    self, crc16, hash_tag, key_slot, Config, RedisCluster, SlotMap, ONE_OWNER,
};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

pub const M1: NodeId = 0;
pub const M2: NodeId = 1;
pub const M3: NodeId = 2;
pub const R4: NodeId = 3;
pub const R6: NodeId = 5;
pub const C7: NodeId = 6;
pub const C8: NodeId = 7;

pub const CALM_Q: &str =
    "lab=redis-cluster&auto=0&latency_min=10&latency_max=10&node_timeout=500&ping=100";

pub fn session(q: &str) -> NetSession<RedisCluster> {
    let cfg = config(q);
    redis_cluster::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<RedisCluster> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    redis_cluster::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<RedisCluster> {
    let mut s = session(&format!("lab=redis-cluster&scenario={id}"));
    let info = labs::find("redis-cluster")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn cmd(node: NodeId, name: &str, arg: &str) -> Action {
    Action::Command {
        node,
        name: name.into(),
        arg: Some(arg.into()),
    }
}

pub fn node(s: &NetSession<RedisCluster>, id: NodeId) -> &RedisCluster {
    s.session.sim.node(id)
}

/// (time, node, value) of every note `key`.
pub fn noted(s: &NetSession<RedisCluster>, key: &str) -> Vec<(Time, NodeId, u64)> {
    notes(s.trace(), key).collect()
}

/// The last answer a client got: (key, result).
pub fn last(s: &NetSession<RedisCluster>, c: NodeId) -> (String, String) {
    node(s, c).last.clone().expect("an answer")
}

/// CRC16/XMODEM and HASH_SLOT against Redis's vectors: CRC16("123456789") = 0x31C3 (the
/// check value in the Redis Cluster specification), foo → 12182, and hash tags as the
/// specification defines them.
#[test]
fn crc16_and_hash_slots_match_redis() {
    assert_eq!(crc16(b"123456789"), 0x31C3);
    assert_eq!(key_slot("123456789"), 12_739);
    assert_eq!(key_slot("foo"), 12_182);
    assert_eq!(key_slot("bar"), 5_061);
    assert_eq!(key_slot("hello"), 866);
    // Same hash tag, same slot: only "user1000" is hashed.
    assert_eq!(hash_tag("{user1000}.following"), Some("user1000"));
    assert_eq!(key_slot("{user1000}.following"), key_slot("user1000"));
    assert_eq!(
        key_slot("{user1000}.following"),
        key_slot("{user1000}.followers")
    );
    assert_eq!(key_slot("{user1000}.following"), 3_443);
    // The specification's edge cases: the first { and the next }; an empty tag hashes all.
    assert_eq!(hash_tag("foo{}{bar}"), None);
    assert_eq!(key_slot("foo{}{bar}"), crc16(b"foo{}{bar}") % 16_384);
    assert_eq!(hash_tag("foo{{bar}}zap"), Some("{bar"));
    assert_eq!(hash_tag("foo{bar}{zap}"), Some("bar"));
    assert_eq!(hash_tag("{user1000"), None);
}

/// The notes' three masters; other counts split the slots evenly; a claim with a higher
/// epoch takes slots, a lower or equal one does not; the conflict finder.
#[test]
fn the_slot_table_takes_only_higher_claims() {
    let m = SlotMap::initial(3);
    let runs: Vec<(u16, u16, NodeId, u64)> = m
        .ranges
        .iter()
        .map(|r| (r.start, r.end, r.owner, r.epoch))
        .collect();
    assert_eq!(
        runs,
        vec![
            (0, 5_500, 0, 1),
            (5_501, 11_000, 1, 2),
            (11_001, 16_383, 2, 3)
        ]
    );
    let four = SlotMap::initial(4);
    assert_eq!(
        four.count(0) + four.count(1) + four.count(2) + four.count(3),
        16_384
    );
    let mut t = m.clone();
    assert!(t.claim(3_443, 3_443, 1, 1).is_empty(), "equal epoch loses");
    assert_eq!(t.owner(3_443), Some(0));
    assert_eq!(t.claim(3_443, 3_443, 1, 4), vec![(3_443, 3_443, 0)]);
    assert_eq!(t.owner(3_443), Some(1));
    assert_eq!(t.owner(3_442), Some(0));
    assert_eq!(t.owned_by(0), vec![(0, 3_442), (3_444, 5_500)]);
    assert_eq!(t.count(1), 5_501);
    assert_eq!(m.conflict(&t), None, "different epochs are no conflict");
    let mut u = m.clone();
    u.assign(3_443, 3_443, 1, 1, true);
    assert_eq!(m.conflict(&u), Some((3_443, 1, 0, 1)));
}

/// The notes' example: three masters with 0–5500, 5501–11000, 11001–16383. A client looks up
/// keys (CLUSTER SLOTS): each lands on the master whose range holds its slot; writes go
/// there directly afterwards, and every node's table agrees.
#[test]
fn the_notes_three_masters_and_key_lookup() {
    let mut s = session(CALM_Q);
    s.run_until(50 * MS);
    for (key, slot, owner) in [
        ("hello", 866, M1),
        ("bar", 5_061, M1),
        ("counter", 6_680, M2),
        ("foo", 12_182, M3),
        ("{user1000}.following", 3_443, M1),
    ] {
        s.act(cmd(C7, "rc_lookup", key)).unwrap();
        s.run_until(s.now() + 100 * MS);
        let l = node(&s, C7).lookup.clone().expect("lookup");
        assert_eq!((l.slot, l.owner), (slot, Some(owner)), "{key}");
        s.act(cmd(C7, "rc_set", key)).unwrap();
        s.run_until(s.now() + 100 * MS);
        assert_eq!(last(&s, C7), (key.to_string(), "OK".to_string()));
        assert!(node(&s, owner).data.contains_key(key), "{key}");
    }
    assert_eq!(
        stat(&s, "redis-cluster.moved"),
        0.0,
        "lookups filled the table"
    );
    let view = s.view();
    assert_eq!(view.nodes[M1].role, "redis-cluster.master");
    assert_eq!(view.nodes[R4].role, "redis-cluster.replica");
    // Replication: M1's replica has M1's keys.
    s.run_until(s.now() + 100 * MS);
    assert_eq!(node(&s, R4).data, node(&s, M1).data);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.headline().key, "redis-cluster.headline.ok");
}

/// `distlab calc redis-slot`: Redis's own vectors and the notes' three masters.
#[test]
fn calc_redis_slot() {
    let v = common::calc_json(&[
        "redis-slot",
        "123456789",
        "foo",
        "{user1000}.following",
        "{user1000}.followers",
    ]);
    assert_eq!(v["slots"], 16_384);
    assert_eq!(v["keys"][0]["crc16"], 0x31C3);
    let slot = |i: usize| v["keys"][i]["slot"].as_u64();
    let master = |i: usize| v["keys"][i]["master"].as_str().map(str::to_string);
    assert_eq!(slot(1), Some(12_182));
    assert_eq!(master(1).as_deref(), Some("M3"));
    assert_eq!(slot(2), Some(3_443));
    assert_eq!(slot(3), Some(3_443));
    assert_eq!(v["keys"][2]["hashed"], "user1000");
    assert_eq!(master(2).as_deref(), Some("M1"));
    assert_eq!(v["keys"][2]["range"], serde_json::json!([0, 5_500]));
    let four = common::calc_json(&["redis-slot", "foo", "--masters", "4"]);
    assert_eq!(four["keys"][0]["master"], "M3");
    assert_eq!(four["keys"][0]["range"], serde_json::json!([8_192, 12_287]));
    common::assert_calc_refuses(&["redis-slot"], "at least one key");
    common::assert_calc_refuses(&["redis-slot", "foo", "--masters", "0"], "--masters");
    common::assert_calc_refuses(&["redis-slot", "foo", "--slots", "2"], "unknown option");
}
