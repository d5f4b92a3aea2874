//! The trace as JSON, with a documented schema (`distlab-trace/1`), shared by the app's
//! "Export trace" button and the runner's `--trace`.
//!
//! ```text
//! {
//!   "schema": "distlab-trace/1",
//!   "lab": "raft", "seed": 42,
//!   "params": { "nodes": 5, ... },            // every lab parameter, URL units (ms, %)
//!   "share_query": "lab=raft&seed=42&...",   // reopens the identical run
//!   "time_unit": "us",                       // all times are virtual microseconds
//!   "now": 5000000, "events": 1246, "trace_hash": "<128-bit XXH3, hex>",
//!   "window_start": 0,                       // where the kept history starts (older
//!                                            // records were dropped to bound memory)
//!   "records": [                             // in order; ids are dense from the first
//!                                            // kept record's (0 when nothing was dropped)
//!     { "id": 0, "time": 0, "type": "send", "msg": 0, "from": 0, "to": 1, "kind": "RequestVote" },
//!     { "type": "deliver" | "drop" (+ "reason") | "duplicate" (+ "of") | "timer" (+ "node", "name")
//!       | "command" | "note" (+ "text") | "crash" | "restart" | "pause" | "resume"
//!       | "cut" | "heal" (+ "a", "b") | "slow" (+ "extra") | "partition" (+ "groups")
//!       | "heal-all" | "violation" (+ "invariant", "text"), ... }
//!   ],
//!   "messages": [ { "id": 0, "kind": "RequestVote", "fields": { "term": "1", ... } } ],
//!   "violations": [ { "invariant": "...", "time": 0, "record": 0, "text": "..." } ],
//!   "actions": [ { "time": 0, "events": 0, "action": "crash", "node": 2 } ]
//! }
//! ```
//! Nodes are 0-based in the JSON (`n1` in the UI is node 0).

use serde_json::{json, Map, Value};

use crate::input::RunConfig;
use crate::labs::LabSession;

/// The schema id written into every export.
pub const SCHEMA: &str = "distlab-trace/1";

/// The whole run so far as a JSON value.
pub fn trace_value(cfg: &RunConfig, s: &dyn LabSession) -> Value {
    let params: Map<String, Value> = cfg
        .params
        .specs
        .iter()
        .zip(&cfg.params.values)
        .map(|(p, v)| (p.key.to_string(), json!(v)))
        .collect();
    let mut msg_ids: Vec<u64> = s
        .trace()
        .iter()
        .filter_map(|r| match r.kind {
            crate::sim::TraceKind::Send { msg, .. }
            | crate::sim::TraceKind::Duplicate { msg, .. } => Some(msg),
            _ => None,
        })
        .collect();
    msg_ids.dedup();
    let messages: Vec<Value> = msg_ids
        .into_iter()
        .filter_map(|id| {
            let (kind, fields) = s.message(id)?;
            let fields: Map<String, Value> = fields
                .into_iter()
                .map(|(k, v)| (k.to_string(), json!(v)))
                .collect();
            Some(json!({ "id": id, "kind": kind, "fields": fields }))
        })
        .collect();
    json!({
        "schema": SCHEMA,
        "lab": cfg.lab,
        "seed": cfg.seed,
        "params": params,
        "share_query": cfg.share_query(s.actions()),
        "time_unit": "us",
        "now": s.now(),
        "events": s.events(),
        "trace_hash": s.trace_hash(),
        "window_start": s.window_start(),
        "records": s.trace(),
        "messages": messages,
        "violations": s.violations(),
        "actions": s.actions(),
    })
}

/// [`trace_value`] as pretty-printed text.
pub fn trace_json(cfg: &RunConfig, s: &dyn LabSession) -> String {
    serde_json::to_string_pretty(&trace_value(cfg, s))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::split_query;
    use crate::labs;

    #[test]
    fn export_has_the_documented_keys_and_round_trips_the_run() {
        let (cfg, _) = RunConfig::parse(&split_query("lab=raft&seed=3"));
        let (mut s, _) = labs::create(&cfg);
        s.run_until(1_000 * crate::MS);
        let v = trace_value(&cfg, s.as_ref());
        for key in [
            "schema",
            "lab",
            "seed",
            "params",
            "share_query",
            "time_unit",
            "now",
            "events",
            "trace_hash",
            "records",
            "messages",
            "violations",
            "actions",
        ] {
            assert!(v.get(key).is_some(), "missing {key}");
        }
        let records = v["records"].as_array().unwrap();
        assert_eq!(records.len(), s.trace().len());
        assert_eq!(records[0]["id"], 0);
        assert!(records.iter().any(|r| r["type"] == "send"));
        assert!(!v["messages"].as_array().unwrap().is_empty());
        // The share query reopens the identical run.
        let (cfg2, errors) = RunConfig::parse(&split_query(v["share_query"].as_str().unwrap()));
        assert!(errors.is_empty());
        let (mut s2, _) = labs::create(&cfg2);
        s2.run_until(1_000 * crate::MS);
        assert_eq!(s2.trace_hash(), s.trace_hash());
    }
}
