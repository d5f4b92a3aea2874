//! Section 6 of the catalog: high availability. Rate limiters (leaky and token buckets,
//! windows, and Sentinel's flow-control modes) driven by virtual time and a traffic
//! generator, for the app's live plots and the `distlab calc ratelimit` command; request load
//! balancing (`lb`, six algorithms side by side on one request stream).

pub mod failure_detect;
pub mod lb;
pub mod ratelimit;
