//! Dependency order for creates and drops: a topological sort over petgraph with cycles
//! collapsed into strongly connected components, ties broken by name.
//!
//! Every walk here is iterative: petgraph's `kosaraju_scc` runs on explicit stacks, where
//! its `tarjan_scc` recurses once per node of a path and overflows the stack on a long
//! foreign-key or view chain (a 60,000-table chain aborted the process).

use petgraph::algo::kosaraju_scc;
use petgraph::graphmap::DiGraphMap;
use std::collections::{BTreeMap, BTreeSet};

/// Returns `nodes` ordered so that every `(before, after)` edge is respected where the edges
/// form no cycle; the members of a cycle come together. Among the nodes that are free to go
/// next, the smallest name goes first (Kahn's algorithm over petgraph's strongly connected
/// components, with a sorted ready set), so the order is deterministic and reads naturally.
pub fn dependency_order<'a>(
    nodes: &'a BTreeSet<String>,
    edges: &[(String, String)],
) -> Vec<&'a str> {
    let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
    for n in nodes {
        g.add_node(n.as_str());
    }
    for (a, b) in edges {
        if let (Some(a), Some(b)) = (nodes.get(a), nodes.get(b)) {
            if a != b {
                g.add_edge(a.as_str(), b.as_str(), ());
            }
        }
    }
    let mut components: Vec<Vec<&'a str>> = kosaraju_scc(&g)
        .into_iter()
        .map(|c| {
            let mut c: Vec<&'a str> = c
                .into_iter()
                .map(|n| nodes.get(n).map_or(n, |s| s.as_str()))
                .collect();
            c.sort_unstable();
            c
        })
        .collect();
    components.sort();
    let component_of: BTreeMap<&str, usize> = components
        .iter()
        .enumerate()
        .flat_map(|(i, c)| c.iter().map(move |n| (*n, i)))
        .collect();
    let links: BTreeSet<(usize, usize)> = g
        .all_edges()
        .map(|(a, b, _)| (component_of[a], component_of[b]))
        .filter(|(a, b)| a != b)
        .collect();
    let mut incoming = vec![0usize; components.len()];
    for (_, b) in &links {
        incoming[*b] += 1;
    }
    let mut ready: BTreeSet<usize> = (0..components.len())
        .filter(|i| incoming[*i] == 0)
        .collect();
    let mut out = Vec::with_capacity(nodes.len());
    while let Some(i) = ready.pop_first() {
        out.extend(components[i].iter().copied());
        for (_, b) in links.range((i, 0)..=(i, usize::MAX)) {
            incoming[*b] -= 1;
            if incoming[*b] == 0 {
                ready.insert(*b);
            }
        }
    }
    out
}

/// Returns the keys of `map` in dependency order (see [`dependency_order`]).
pub fn ordered_keys<'a, V>(
    map: &'a BTreeMap<String, V>,
    edges: &[(String, String)],
) -> Vec<&'a str> {
    let names: BTreeSet<String> = map.keys().cloned().collect();
    dependency_order(&names, edges)
        .into_iter()
        .filter_map(|n| map.get_key_value(n).map(|(k, _)| k.as_str()))
        .collect()
}

/// Returns the cycles (components of more than one node) among `nodes`.
pub fn cycles(nodes: &BTreeSet<String>, edges: &[(String, String)]) -> Vec<Vec<String>> {
    let mut g: DiGraphMap<&str, ()> = DiGraphMap::new();
    for n in nodes {
        g.add_node(n.as_str());
    }
    for (a, b) in edges {
        if nodes.contains(a) && nodes.contains(b) && a != b {
            g.add_edge(a.as_str(), b.as_str(), ());
        }
    }
    let mut out: Vec<Vec<String>> = kosaraju_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut c: Vec<String> = c.into_iter().map(str::to_string).collect();
            c.sort();
            c
        })
        .collect();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn edges(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn parents_come_before_children() {
        //  users ──► orders ──► lines
        //  products ───────────►┘
        let nodes = set(&["lines", "orders", "products", "users"]);
        let e = edges(&[
            ("users", "orders"),
            ("orders", "lines"),
            ("products", "lines"),
        ]);
        let order = dependency_order(&nodes, &e);
        let pos = |n| order.iter().position(|x| *x == n).unwrap();
        assert!(pos("users") < pos("orders"));
        assert!(pos("orders") < pos("lines"));
        assert!(pos("products") < pos("lines"));
        assert_eq!(order, dependency_order(&nodes, &e), "deterministic");
        assert_eq!(
            order,
            ["products", "users", "orders", "lines"],
            "free nodes by name"
        );
    }

    #[test]
    fn cycles_are_kept_together_and_reported() {
        //  a ──► b ──► c ──► a      d (alone)
        let nodes = set(&["a", "b", "c", "d"]);
        let e = edges(&[("a", "b"), ("b", "c"), ("c", "a")]);
        assert_eq!(dependency_order(&nodes, &e).len(), 4);
        assert_eq!(cycles(&nodes, &e), vec![vec!["a", "b", "c"]]);
    }
}
