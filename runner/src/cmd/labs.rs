//! `distlab labs`, and the lab lists in the subcommands' help, both from the engine's registry.

use distlab_engine::labs::{self, LabDef, LabKind, LABS};
use distlab_engine::sim::When;
use serde_json::json;

use crate::{Io, OK};

/// List every lab as JSON: id, group, bundle, kind (network, model, coming), parameters with
/// ranges, scenarios, properties, node kinds and their commands, and the runner command
#[derive(clap::Args)]
pub struct LabsArgs {}

pub fn labs(_: LabsArgs, io: &mut Io) -> u8 {
    let list: Vec<_> = LABS.iter().map(describe_lab).collect();
    io.emit(&serde_json::Value::Array(list).to_string());
    OK
}

/// One lab as `distlab labs` lists it.
pub fn describe_lab(l: &LabDef) -> serde_json::Value {
    let kind = match l.kind {
        LabKind::Network { .. } => "network",
        LabKind::Model { .. } => "model",
        LabKind::Coming => "coming",
    };
    let params: Vec<_> = l
        .params
        .iter()
        .map(|p| json!({"key": p.key, "default": p.default, "min": p.min, "max": p.max, "integer": p.integer}))
        .chain(l.text_params.iter().map(|t| json!({"key": t.key, "default": t.default})))
        .collect();
    let properties: Vec<_> = l
        .properties
        .iter()
        .map(|p| {
            let when = if p.when == When::Always {
                "always"
            } else {
                "eventually"
            };
            json!({"id": p.id, "when": when, "lesson": p.lesson})
        })
        .collect();
    let kinds: Vec<_> = l
        .kinds
        .iter()
        .map(|k| json!({"id": k.id, "commands": k.commands.iter().map(|c| c.name).collect::<Vec<_>>()}))
        .collect();
    let runner = match l.kind {
        LabKind::Network { .. } => Some(format!("run {}", l.id)),
        LabKind::Model { calc, .. } => Some(format!("calc {}", calc(&l.defaults()))),
        LabKind::Coming => None,
    };
    json!({
        "id": l.id,
        "group": l.group.id(),
        "bundle": labs::catalog_entry(l.id).map(|e| e.bundle),
        "default": l.id == labs::DEFAULT_LAB,
        "kind": kind,
        "ready": l.implemented(),
        "params": params,
        "scenarios": l.scenarios.iter().map(|s| s.id).collect::<Vec<_>>(),
        "properties": properties,
        "node_kinds": kinds,
        "runner": runner,
    })
}

/// The networked labs that run.
fn networked() -> impl Iterator<Item = &'static LabDef> {
    LABS.iter().filter(|l| l.is_network())
}

/// `key=default [min..max]` for each of a lab's parameters.
fn param_list(l: &LabDef) -> String {
    let mut parts: Vec<String> = l
        .params
        .iter()
        .map(|p| {
            format!(
                "{}={} [{}..{}]",
                p.key,
                p.format(p.default),
                p.format(p.min),
                p.format(p.max)
            )
        })
        .collect();
    parts.extend(
        l.text_params
            .iter()
            .map(|t| format!("{}=\"{}\"", t.key, t.default)),
    );
    parts.join(", ")
}

/// The extra help of each subcommand that names labs.
pub fn subcommand_help() -> Vec<(&'static str, String)> {
    let mut run = String::from("Labs (parameters as key=default [min..max]; presets):\n");
    for l in networked() {
        run.push_str(&format!("  {}\n      {}\n", l.id, param_list(l)));
        if !l.scenarios.is_empty() {
            let ids: Vec<&str> = l.scenarios.iter().map(|s| s.id).collect();
            run.push_str(&format!("      presets: {}\n", ids.join(", ")));
        }
    }
    let mut batch = String::from(
        "Measures (--measure): every lab's stats (`stats`, its stats panel's counters at the \
         end of each run); raft also has election-time (default) and commit-latency.\n\n\
         Examples:\n  \
         distlab batch raft --seeds 1..1000 --param timeout_max=151,155,175,200,300\n  \
         distlab batch paxos --seeds 1..200 --param proposers=2,3 --format csv\n  \
         distlab batch tx-2pc --seeds 1..100 --faults crash=0.2,restart=1 --shard 1/4 \
         --format jsonl > part1.jsonl\n\nLabs:\n",
    );
    for l in networked() {
        batch.push_str(&format!("  {}\n", l.id));
    }
    batch.push_str(
        "Model labs (swept through their calc command; measures: the result's numbers):\n",
    );
    for l in LABS {
        if let LabKind::Model { calc: c, .. } = l.kind {
            batch.push_str(&format!("  {:<22} calc {}\n", l.id, c(&l.defaults())));
        }
    }
    let mut check = String::from("Labs and the parameter shrinking makes smaller:\n");
    for l in networked() {
        check.push_str(&format!("  {:<22} {}\n", l.id, l.size));
    }
    let mut calc = String::from("Model labs:\n");
    for l in LABS {
        if let LabKind::Model { calc: c, .. } = l.kind {
            calc.push_str(&format!("  {:<22} calc {}\n", l.id, c(&l.defaults())));
        }
    }
    vec![
        ("run", run),
        ("batch", batch),
        ("check", check),
        ("calc", calc),
    ]
}
