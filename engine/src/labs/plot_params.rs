//! URL parameters of the plotted labs (placement, fair allocation, rate limiting), including
//! their string-valued ones (weights, demand lists, limiter and traffic specs, and the log of
//! what the user changed), with the parsers the app and the checks share.

use crate::input::{InputError, Params, TextSpec};
use crate::labs::availability::ratelimit::LAB as RATELIMIT_LAB;
use crate::labs::availability::ratelimit::{Limiter, LimiterSpec, TrafficSpec, SECOND};
use crate::labs::scheduling::fair::{DRF_LAB, MMF_LAB};
use crate::labs::scheduling::fair::{MAX_RESOURCES, MAX_USERS};
use crate::labs::storage::placement::{
    Change, ChangeSpec, HashFn, Strategy, MAX_POINTS, MAX_WEIGHT,
};
use crate::labs::storage::placement::{BOUNDED_LAB, HASH_LAB, RING_LAB, VNODES_LAB};
use crate::labs::ParamSpec;

// ---- placement ----

const fn placement_params(nodes: f64) -> [ParamSpec; 4] {
    [
        ParamSpec::int("nodes", nodes, 1.0, 64.0),
        ParamSpec::int("vnodes", 100.0, 1.0, 1000.0),
        ParamSpec::int("keys", 10_000.0, 0.0, 1_000_000.0),
        ParamSpec::float("c", 1.25, 1.0, 3.0),
    ]
}

pub const PLACEMENT_PARAMS: [ParamSpec; 4] = placement_params(4.0);
pub const VNODES_PARAMS: [ParamSpec; 4] = placement_params(3.0);

fn check_strategy(v: &str) -> Result<(), String> {
    Strategy::parse(v)
        .map(|_| ())
        .ok_or_else(|| "use mod, ring, bounded, vnodes, rendezvous or jump".into())
}

fn check_hash(v: &str) -> Result<(), String> {
    HashFn::parse(v)
        .map(|_| ())
        .ok_or_else(|| "use xxh3, crc32 or fnv".into())
}

fn check_weights(v: &str) -> Result<(), String> {
    parse_weights(v).map(|_| ())
}

fn check_changes(v: &str) -> Result<(), String> {
    parse_changes(v).map(|_| ())
}

const fn placement_texts(strategy: &'static str, weights: &'static str) -> [TextSpec; 4] {
    [
        TextSpec {
            key: "strategy",
            default: strategy,
            check: check_strategy,
        },
        TextSpec {
            key: "hash",
            default: "xxh3",
            check: check_hash,
        },
        TextSpec {
            key: "weights",
            default: weights,
            check: check_weights,
        },
        TextSpec {
            key: "changes",
            default: "",
            check: check_changes,
        },
    ]
}

pub const HASH_TEXTS: [TextSpec; 4] = placement_texts("mod", "");
pub const RING_TEXTS: [TextSpec; 4] = placement_texts("ring", "");
pub const BOUNDED_TEXTS: [TextSpec; 4] = placement_texts("bounded", "");
pub const VNODES_TEXTS: [TextSpec; 4] = placement_texts("vnodes", "1,2,3");

/// `1,2,3` → weights (each 1..=100); empty → no weights (all 1).
pub fn parse_weights(v: &str) -> Result<Vec<u32>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(|w| match w.trim().parse::<u32>() {
            Ok(w) if (1..=MAX_WEIGHT).contains(&w) => Ok(w),
            _ => Err(format!(
                "weight `{}` is not a whole number in 1..{MAX_WEIGHT}",
                w.trim()
            )),
        })
        .collect()
}

/// `add:1,remove:3,fail:0` → exact membership changes, in order (node ids 0-based).
pub fn parse_changes(v: &str) -> Result<Vec<Change>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    v.split(',')
        .map(|c| match Change::parse(c) {
            Some(ChangeSpec::Exact(c)) => Ok(c),
            Some(ChangeSpec::Add(weight)) => Ok(Change::Add { weight }),
            _ => Err(format!(
                "change `{}`: use add:<weight>, remove:<i>, fail:<i> or recover:<i>",
                c.trim()
            )),
        })
        .collect()
}

/// Whether `lab` is one of the placement labs.
pub fn is_placement(lab: &str) -> bool {
    [HASH_LAB.id, RING_LAB.id, BOUNDED_LAB.id, VNODES_LAB.id].contains(&lab)
}

/// Cross-parameter checks of the placement labs.
pub fn check_placement(params: &mut Params, errors: &mut Vec<InputError>) {
    let strategy = Strategy::parse(params.text("strategy")).unwrap_or(Strategy::Ring);
    let nodes = params.get_u64("nodes") as usize;
    let weights = parse_weights(params.text("weights")).unwrap_or_default();
    if !weights.is_empty() && weights.len() != nodes {
        let reason = format!("{} weights given for {nodes} nodes", weights.len());
        params.reject_text("weights", reason, errors);
    } else if !strategy.supports_weights() && weights.iter().any(|&w| w != weights[0]) {
        let reason = format!("strategy `{}` has no node weights", strategy.name());
        params.reject_text("weights", reason, errors);
    }
    let weights = parse_weights(params.text("weights")).unwrap_or_default();
    let total: u64 = if weights.is_empty() {
        nodes as u64
    } else {
        weights.iter().map(|&w| w as u64).sum()
    };
    let vnodes = params.get_u64("vnodes");
    if matches!(strategy, Strategy::VNodes | Strategy::Bounded) && vnodes * total > MAX_POINTS {
        let most = (MAX_POINTS / total.max(1)).max(1);
        errors.push(InputError::OutOfRange {
            key: "vnodes".into(),
            value: vnodes.to_string(),
            min: 1.0,
            max: most as f64,
            used: most.to_string(),
        });
        params.set_value("vnodes", most as f64);
    }
}

// ---- fair allocation ----

pub const MMF_PARAMS: [ParamSpec; 1] = [ParamSpec::float("capacity", 100.0, 0.0, 1e9)];

fn check_numbers(v: &str) -> Result<(), String> {
    parse_numbers(v, ',').map(|_| ())
}

fn check_optional_numbers(v: &str) -> Result<(), String> {
    if v.trim().is_empty() {
        return Ok(());
    }
    parse_numbers(v, ',').map(|_| ())
}

fn check_demands(v: &str) -> Result<(), String> {
    parse_vectors(v).map(|_| ())
}

fn check_drf_changes(v: &str) -> Result<(), String> {
    parse_drf_changes(v).map(|_| ())
}

pub const MMF_TEXTS: [TextSpec; 2] = [
    TextSpec {
        key: "demands",
        default: "35,10,25,45",
        check: check_numbers,
    },
    TextSpec {
        key: "weights",
        default: "",
        check: check_optional_numbers,
    },
];

pub const DRF_TEXTS: [TextSpec; 4] = [
    TextSpec {
        key: "capacity",
        default: "18,36",
        check: check_numbers,
    },
    TextSpec {
        key: "demands",
        default: "2,8;6,2",
        check: check_demands,
    },
    TextSpec {
        key: "weights",
        default: "",
        check: check_optional_numbers,
    },
    TextSpec {
        key: "changes",
        default: "",
        check: check_drf_changes,
    },
];

/// `35,10,25` (with `sep` between) → non-negative finite numbers, at most [`MAX_USERS`].
pub fn parse_numbers(v: &str, sep: char) -> Result<Vec<f64>, String> {
    let out = v
        .split(sep)
        .map(|x| match x.trim().parse::<f64>() {
            Ok(n) if n.is_finite() && (0.0..=1e12).contains(&n) => Ok(n),
            _ => Err(format!("`{}` is not a number ≥ 0", x.trim())),
        })
        .collect::<Result<Vec<f64>, String>>()?;
    if out.len() > MAX_USERS {
        return Err(format!("more than {MAX_USERS} values"));
    }
    Ok(out)
}

/// `2,8;6,2` → one per-task demand vector per user.
pub fn parse_vectors(v: &str) -> Result<Vec<Vec<f64>>, String> {
    let out = v
        .split(';')
        .map(|u| parse_numbers(u, ','))
        .collect::<Result<Vec<_>, String>>()?;
    if out.len() > MAX_USERS {
        return Err(format!("more than {MAX_USERS} users"));
    }
    Ok(out)
}

/// A user's live change to a DRF allocation.
#[derive(Clone, Debug, PartialEq)]
pub enum DrfChange {
    /// A user joins with this per-task demand and weight.
    Join { demand: Vec<f64>, weight: f64 },
    /// The user with this id (join order, 0-based) leaves.
    Leave { user: u32 },
    /// The user's per-task demand changes.
    Demand { user: u32, demand: Vec<f64> },
}

impl DrfChange {
    /// The form used in URLs: `join:2/8`, `join:2/8*2`, `leave:B`, `demand:A:1/4`.
    pub fn encode(&self) -> String {
        let vec = |d: &[f64]| {
            d.iter()
                .map(|x| format!("{x}"))
                .collect::<Vec<_>>()
                .join("/")
        };
        match self {
            DrfChange::Join { demand, weight } if *weight == 1.0 => format!("join:{}", vec(demand)),
            DrfChange::Join { demand, weight } => format!("join:{}*{weight}", vec(demand)),
            DrfChange::Leave { user } => {
                format!(
                    "leave:{}",
                    crate::labs::scheduling::fair::user_name(*user as usize)
                )
            }
            DrfChange::Demand { user, demand } => format!(
                "demand:{}:{}",
                crate::labs::scheduling::fair::user_name(*user as usize),
                vec(demand)
            ),
        }
    }
}

/// `A` → 0, `B` → 1, …, `AA` → 26.
pub fn user_index(name: &str) -> Option<u32> {
    let mut n: u64 = 0;
    if name.is_empty() || name.len() > 3 {
        return None;
    }
    for c in name.trim().bytes() {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            return None;
        }
        n = n * 26 + (c - b'A' + 1) as u64;
    }
    u32::try_from(n - 1).ok()
}

fn parse_slash_vector(v: &str) -> Result<Vec<f64>, String> {
    let d = parse_numbers(v, '/')?;
    if d.len() > MAX_RESOURCES {
        return Err(format!("more than {MAX_RESOURCES} resources"));
    }
    Ok(d)
}

/// `join:2/8~leave:B~demand:A:1/4` → changes in order.
pub fn parse_drf_changes(v: &str) -> Result<Vec<DrfChange>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(Vec::new());
    }
    v.split('~')
        .map(|c| {
            let bad = || format!("change `{c}`: use join:2/8[*w], leave:A or demand:A:1/4");
            let (word, rest) = c.trim().split_once(':').ok_or_else(bad)?;
            match word {
                "join" => {
                    let (d, w) = rest.split_once('*').unwrap_or((rest, "1"));
                    let weight = w.trim().parse::<f64>().map_err(|_| bad())?;
                    if !(weight.is_finite() && weight > 0.0) {
                        return Err(bad());
                    }
                    Ok(DrfChange::Join {
                        demand: parse_slash_vector(d)?,
                        weight,
                    })
                }
                "leave" => Ok(DrfChange::Leave {
                    user: user_index(rest).ok_or_else(bad)?,
                }),
                "demand" => {
                    let (u, d) = rest.split_once(':').ok_or_else(bad)?;
                    Ok(DrfChange::Demand {
                        user: user_index(u).ok_or_else(bad)?,
                        demand: parse_slash_vector(d)?,
                    })
                }
                _ => Err(bad()),
            }
        })
        .collect()
}

/// Cross-parameter checks of the max-min fairness lab.
pub fn check_mmf(params: &mut Params, errors: &mut Vec<InputError>) {
    let users = parse_numbers(params.text("demands"), ',').map_or(0, |d| d.len());
    check_fair_weights(users, params, errors);
}

/// Cross-parameter checks of the dominant resource fairness lab.
pub fn check_drf(params: &mut Params, errors: &mut Vec<InputError>) {
    let users = {
        let resources = parse_numbers(params.text("capacity"), ',').map_or(0, |c| c.len());
        if resources > MAX_RESOURCES {
            let reason = format!("more than {MAX_RESOURCES} resources");
            params.reject_text("capacity", reason, errors);
        }
        let resources = parse_numbers(params.text("capacity"), ',').map_or(0, |c| c.len());
        let demands = parse_vectors(params.text("demands")).unwrap_or_default();
        if demands.iter().any(|d| d.len() != resources) {
            let amounts = if resources == 1 { "amount" } else { "amounts" };
            let reason = format!("every user needs {resources} {amounts}, one per resource");
            params.reject_text("demands", reason, errors);
        }
        parse_vectors(params.text("demands")).map_or(0, |d| d.len())
    };
    check_fair_weights(users, params, errors);
}

fn check_fair_weights(users: usize, params: &mut Params, errors: &mut Vec<InputError>) {
    let weights = params.text("weights");
    if !weights.trim().is_empty() {
        let w = parse_numbers(weights, ',').unwrap_or_default();
        if w.len() != users || w.iter().any(|&x| x <= 0.0) {
            let reason = format!("give {users} weights above 0, one per user");
            params.reject_text("weights", reason, errors);
        }
    }
}

// ---- rate limiting ----

pub const RATELIMIT_PARAMS: [ParamSpec; 1] = [ParamSpec::int("service", 100.0, 0.0, 10_000.0)];

fn check_limiter(v: &str) -> Result<(), String> {
    LimiterSpec::parse(v)
        .and_then(|s| Limiter::new(&s))
        .map(|_| ())
        .map_err(|e| e.0)
}

fn check_limiter2(v: &str) -> Result<(), String> {
    if v.trim().is_empty() || v.trim() == "none" {
        return Ok(());
    }
    check_limiter(v)
}

fn check_traffic(v: &str) -> Result<(), String> {
    TrafficSpec::parse(v, 10 * SECOND)
        .map(|_| ())
        .map_err(|e| e.0)
}

pub const RATELIMIT_TEXTS: [TextSpec; 3] = [
    TextSpec {
        key: "limiter",
        default: "token:rate=10,burst=5",
        check: check_limiter,
    },
    TextSpec {
        key: "limiter2",
        default: "leaky:capacity=10,rate=10",
        check: check_limiter2,
    },
    TextSpec {
        key: "traffic",
        default: "bursts:base=5,size=30,every=2s",
        check: check_traffic,
    },
];

/// The labs drawn as live plots rather than as a simulated network.
pub const PLOTTED_LABS: [&str; 7] = [
    HASH_LAB.id,
    RING_LAB.id,
    BOUNDED_LAB.id,
    VNODES_LAB.id,
    MMF_LAB.id,
    DRF_LAB.id,
    RATELIMIT_LAB.id,
];

/// The parameter set of a plotted lab, if `lab` is one.
pub fn params_for(lab: &str) -> Option<Params> {
    crate::labs::find(lab)
        .filter(|l| l.is_model())
        .map(|l| l.defaults())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{split_query, RunConfig};

    #[test]
    fn lists_parse_and_bad_ones_are_refused() {
        assert_eq!(parse_weights("1, 2,3"), Ok(vec![1, 2, 3]));
        assert!(parse_weights("1,0").is_err());
        assert_eq!(
            parse_changes("add:1,remove:2,fail:0").map(|c| c.len()),
            Ok(3)
        );
        assert!(parse_changes("remove").is_err());
        assert_eq!(
            parse_vectors("2,8;6,2"),
            Ok(vec![vec![2.0, 8.0], vec![6.0, 2.0]])
        );
        let c = parse_drf_changes("join:1/4*2~leave:B~demand:A:3/3").unwrap_or_default();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1], DrfChange::Leave { user: 1 });
        let joined: Vec<String> = c.iter().map(DrfChange::encode).collect();
        assert_eq!(joined.join("~"), "join:1/4*2~leave:B~demand:A:3/3");
        assert_eq!(user_index("AA"), Some(26));
        assert_eq!(user_index(""), None);
    }

    fn parse(q: &str) -> (RunConfig, Vec<InputError>) {
        RunConfig::parse(&split_query(q))
    }

    #[test]
    fn plotted_labs_parse_with_defaults_and_cross_checks() {
        // The plotted labs are exactly the catalog's model labs with a plot of their own (a
        // lab missing from the list would get a network simulation instead of its plot); the
        // scene labs are drawn by the one generic scene view and tested over the registry.
        for info in crate::labs::LABS {
            assert_eq!(
                params_for(info.id).is_some() && !crate::labs::scene::is_scene_lab(info),
                PLOTTED_LABS.contains(&info.id),
                "{}",
                info.id
            );
        }
        for lab in PLOTTED_LABS {
            assert!(
                crate::labs::find(lab).is_some_and(|l| l.implemented()),
                "{lab}"
            );
        }
        let mut p = params_for("placement-ring").unwrap_or_else(|| Params::defaults(&[]));
        let mut e = Vec::new();
        p.parse_one("weights", "1,2,3,4", &mut e);
        check_placement(&mut p, &mut e);
        assert_eq!(p.text("weights"), "");
        assert_eq!(e.len(), 1);
        let mut p = params_for("fair-drf").unwrap_or_else(|| Params::defaults(&[]));
        let mut e = Vec::new();
        p.parse_one("demands", "1,2,3", &mut e);
        check_drf(&mut p, &mut e);
        assert_eq!(p.text("demands"), "2,8;6,2");
        assert!(
            !p.parse_one("limiter", "x", &mut Vec::new()),
            "not a drf key"
        );
        let (c, e) = parse("lab=fair-mmf&demands=35,10,25,45&weights=1,2");
        assert_eq!(c.params.text("weights"), "", "{e:?}");
    }
}
