//! The model's plotted series, stored per association: a sample's points reach its
//! association's rings after one hash lookup, where one probe per point of a map of every
//! series missed the cache on each (a thousand associations hold some 20,000 series).

use crate::AssocId;
use crate::model::{AssocMetric, PathMetric, SeriesKey};
use crate::ring::Ring;
use crate::worker::EpId;
use std::collections::HashMap;
use std::net::SocketAddr;

/// One series' `[t, value]` points.
pub type Points = Ring<[f64; 2]>;

/// Every plotted series, by association.
#[derive(Default)]
pub struct Series {
    assocs: HashMap<(EpId, AssocId), AssocSeries, foldhash::fast::RandomState>,
    len: usize,
}

/// One association's series: its own metrics, and each path's.
#[derive(Default)]
struct AssocSeries {
    own: [Option<Points>; AssocMetric::ALL.len()],
    paths: Vec<(SocketAddr, [Option<Points>; PathMetric::ALL.len()])>,
}

/// One sample's points for one association.
pub struct SamplePoints<'a> {
    /// When it was taken (seconds since the worker started).
    pub t: f64,
    /// Association metrics and their values.
    pub own: &'a [(AssocMetric, f64)],
    /// Each path's values, in `PathMetric::ALL` order.
    pub paths: &'a [(SocketAddr, [f64; PathMetric::ALL.len()])],
}

fn path_index(metric: PathMetric) -> usize {
    match metric {
        PathMetric::Cwnd => 0,
        PathMetric::SrttMs => 1,
        PathMetric::RtoMs => 2,
        PathMetric::Mtu => 3,
        PathMetric::State => 4,
    }
}

fn assoc_index(metric: AssocMetric) -> usize {
    match metric {
        AssocMetric::Rwnd => 0,
        AssocMetric::Unacked => 1,
        AssocMetric::Pending => 2,
        AssocMetric::RetransmitsPerSec => 3,
        AssocMetric::GapAcksPerSec => 4,
        AssocMetric::PacketsOutPerSec => 5,
        AssocMetric::PacketsInPerSec => 6,
        AssocMetric::AbandonedPerSec => 7,
    }
}

impl AssocSeries {
    fn slot(&self, key: &SeriesKey) -> Option<&Option<Points>> {
        match *key {
            SeriesKey::Assoc { metric, .. } => Some(&self.own[assoc_index(metric)]),
            SeriesKey::Path { addr, metric, .. } => Some(&self.paths[self.path(addr)?].1[path_index(metric)]),
        }
    }

    fn slot_mut(&mut self, key: &SeriesKey, create_path: bool) -> Option<&mut Option<Points>> {
        match *key {
            SeriesKey::Assoc { metric, .. } => Some(&mut self.own[assoc_index(metric)]),
            SeriesKey::Path { addr, metric, .. } => {
                let i = if create_path { self.path_or_add(addr) } else { self.path(addr)? };
                Some(&mut self.paths[i].1[path_index(metric)])
            }
        }
    }

    /// Where the path to `addr` is in `paths`.
    fn path(&self, addr: SocketAddr) -> Option<usize> {
        self.paths.iter().position(|(a, _)| *a == addr)
    }

    /// Where the path to `addr` is in `paths`, added (with no series) if it was not there.
    fn path_or_add(&mut self, addr: SocketAddr) -> usize {
        self.path(addr).unwrap_or_else(|| {
            self.paths.push((addr, Default::default()));
            self.paths.len() - 1
        })
    }

    /// Every series it holds, with its key.
    fn iter(&self, ep: EpId, assoc: AssocId) -> impl Iterator<Item = (SeriesKey, &Points)> {
        let own = AssocMetric::ALL
            .iter()
            .zip(&self.own)
            .filter_map(move |(&metric, p)| Some((SeriesKey::Assoc { ep, assoc, metric }, p.as_ref()?)));
        let paths = self.paths.iter().flat_map(move |(addr, points)| {
            PathMetric::ALL
                .iter()
                .zip(points)
                .filter_map(move |(&metric, p)| Some((SeriesKey::Path { ep, assoc, addr: *addr, metric }, p.as_ref()?)))
        });
        own.chain(paths)
    }

    fn slots_mut(&mut self) -> impl Iterator<Item = &mut Option<Points>> {
        self.own.iter_mut().chain(self.paths.iter_mut().flat_map(|(_, p)| p.iter_mut()))
    }
}

fn owner(key: &SeriesKey) -> (EpId, AssocId) {
    match *key {
        SeriesKey::Path { ep, assoc, .. } | SeriesKey::Assoc { ep, assoc, .. } => (ep, assoc),
    }
}

fn push(slot: &mut Option<Points>, point: [f64; 2], capacity: usize, created: &mut usize) {
    match slot {
        Some(points) => points.push(point),
        None => {
            let mut points = Ring::new(capacity);
            points.push(point);
            *slot = Some(points);
            *created += 1;
        }
    }
}

impl Series {
    /// How many series there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One series.
    pub fn get(&self, key: &SeriesKey) -> Option<&Points> {
        self.assocs.get(&owner(key))?.slot(key)?.as_ref()
    }

    /// One series, to change.
    pub fn get_mut(&mut self, key: &SeriesKey) -> Option<&mut Points> {
        self.assocs.get_mut(&owner(key))?.slot_mut(key, false)?.as_mut()
    }

    /// Whether the series exists.
    pub fn contains_key(&self, key: &SeriesKey) -> bool {
        self.get(key).is_some()
    }

    /// Sets one series; returns the one it replaced.
    pub fn insert(&mut self, key: SeriesKey, points: Points) -> Option<Points> {
        let slot = self.assocs.entry(owner(&key)).or_default().slot_mut(&key, true)?;
        let old = slot.replace(points);
        if old.is_none() {
            self.len += 1;
        }
        old
    }

    /// Appends one sample's points to its association's series, creating those it lacks
    /// with room for `capacity` points; returns how many it created.
    pub fn push_sample(&mut self, ep: EpId, assoc: AssocId, capacity: usize, sample: &SamplePoints) -> usize {
        let series = self.assocs.entry((ep, assoc)).or_default();
        let mut created = 0;
        for &(metric, v) in sample.own {
            push(&mut series.own[assoc_index(metric)], [sample.t, v], capacity, &mut created);
        }
        for (addr, values) in sample.paths {
            let i = series.path_or_add(*addr);
            for (slot, &v) in series.paths[i].1.iter_mut().zip(values) {
                push(slot, [sample.t, v], capacity, &mut created);
            }
        }
        self.len += created;
        created
    }

    /// Every series with its key, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (SeriesKey, &Points)> {
        self.assocs.iter().flat_map(|(&(ep, assoc), s)| s.iter(ep, assoc))
    }

    /// Every series' key.
    pub fn keys(&self) -> impl Iterator<Item = SeriesKey> + '_ {
        self.iter().map(|(k, _)| k)
    }

    /// Every series.
    pub fn values(&self) -> impl Iterator<Item = &Points> {
        self.iter().map(|(_, p)| p)
    }

    /// Every series, to change.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Points> {
        self.assocs.values_mut().flat_map(|s| s.slots_mut().filter_map(Option::as_mut))
    }

    /// Keeps the series `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&SeriesKey, &Points) -> bool) {
        let mut gone = 0;
        for (&(ep, assoc), series) in &mut self.assocs {
            let keys: Vec<SeriesKey> = series.iter(ep, assoc).map(|(k, _)| k).collect();
            for key in keys {
                let Some(slot) = series.slot_mut(&key, false) else { continue };
                if slot.as_ref().is_some_and(|p| !keep(&key, p)) {
                    *slot = None;
                    gone += 1;
                }
            }
        }
        self.len -= gone;
        self.assocs.retain(|_, s| s.slots_mut().any(|p| p.is_some()));
    }

    /// Drops every series of the associations `drop_it` names.
    pub fn remove_assocs(&mut self, mut drop_it: impl FnMut(EpId, AssocId) -> bool) {
        let mut gone = 0;
        self.assocs.retain(|&(ep, assoc), s| {
            let remove = drop_it(ep, assoc);
            if remove {
                gone += s.slots_mut().filter(|p| p.is_some()).count();
            }
            !remove
        });
        self.len -= gone;
    }
}

impl std::ops::Index<&SeriesKey> for Series {
    type Output = Points;

    fn index(&self, key: &SeriesKey) -> &Points {
        self.get(key).unwrap_or_else(|| panic!("no series {key:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(addr: &str, metric: PathMetric) -> SeriesKey {
        SeriesKey::Path { ep: EpId(1), assoc: AssocId(2), addr: addr.parse().unwrap(), metric }
    }

    /// The metric indices follow `ALL`, each metric its own slot.
    #[test]
    fn each_metric_has_its_own_slot_in_all_order() {
        for (i, m) in PathMetric::ALL.iter().enumerate() {
            assert_eq!(path_index(*m), i);
        }
        for (i, m) in AssocMetric::ALL.iter().enumerate() {
            assert_eq!(assoc_index(*m), i);
        }
    }

    /// A sample's points land in the series a key names; the count, lookups, iteration and
    /// removal agree with one another.
    #[test]
    fn samples_fill_the_series_their_keys_name_and_removal_keeps_the_count() {
        let mut s = Series::default();
        let a: SocketAddr = "10.0.0.1:9".parse().unwrap();
        let b: SocketAddr = "[fe80::1]:9".parse().unwrap();
        let own = [(AssocMetric::Rwnd, 5.0), (AssocMetric::Pending, 1.0)];
        let paths = [(a, [1.0, 2.0, 3.0, 4.0, 5.0]), (b, [6.0, 7.0, 8.0, 9.0, 10.0])];
        let created = s.push_sample(EpId(1), AssocId(2), 4, &SamplePoints { t: 0.5, own: &own, paths: &paths });
        assert_eq!((created, s.len()), (12, 12));
        let again = s.push_sample(EpId(1), AssocId(2), 4, &SamplePoints { t: 0.6, own: &own, paths: &paths[1..] });
        assert_eq!((again, s.len()), (0, 12));
        let srtt_b: Vec<[f64; 2]> = s[&path("[fe80::1]:9", PathMetric::SrttMs)].iter().copied().collect();
        assert_eq!(srtt_b, [[0.5, 7.0], [0.6, 7.0]]);
        assert_eq!(s[&path("10.0.0.1:9", PathMetric::State)].len(), 1);
        assert!(s.get(&path("10.0.0.3:9", PathMetric::Cwnd)).is_none());
        assert!(!s.contains_key(&SeriesKey::Assoc { ep: EpId(1), assoc: AssocId(2), metric: AssocMetric::Unacked }));
        assert_eq!(s.iter().count(), 12);
        assert!(s.iter().all(|(k, p)| s.get(&k).is_some_and(|q| std::ptr::eq(p, q))));

        s.insert(SeriesKey::Assoc { ep: EpId(3), assoc: AssocId(4), metric: AssocMetric::Unacked }, Ring::new(2));
        assert_eq!(s.len(), 13);
        s.retain(|k, _| !matches!(k, SeriesKey::Path { metric: PathMetric::Mtu, .. }));
        assert_eq!((s.len(), s.keys().count()), (11, 11));
        s.remove_assocs(|ep, _| ep == EpId(1));
        assert_eq!((s.len(), s.keys().count()), (1, 1));
        s.retain(|_, _| false);
        assert!(s.is_empty() && s.assocs.is_empty());
    }
}
