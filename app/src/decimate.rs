//! Min/max decimation of a time series to about one point pair per pixel column over the
//! visible range: a plot of an hour of 10 Hz samples draws ~2 points per pixel instead of
//! 36,000, and looks the same (every spike is kept).

/// Points of a series in time order, held in up to two slices (a ring's halves).
pub fn visible_range<'a>(slices: (&'a [[f64; 2]], &'a [[f64; 2]]), x_min: f64, x_max: f64) -> Vec<&'a [[f64; 2]]> {
    [slices.0, slices.1]
        .into_iter()
        .map(|s| {
            // One point either side of the window so lines run to the plot's edges.
            let lo = s.partition_point(|p| p[0] < x_min).saturating_sub(1);
            let hi = (s.partition_point(|p| p[0] <= x_max) + 1).min(s.len());
            &s[lo.min(hi)..hi]
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Decimates the points within `[x_min, x_max]` into `columns` buckets, keeping each
/// bucket's minimum and maximum in time order. Series short enough are returned whole.
pub fn decimate(slices: (&[[f64; 2]], &[[f64; 2]]), x_min: f64, x_max: f64, columns: usize) -> Vec<[f64; 2]> {
    let parts = visible_range(slices, x_min, x_max);
    let total: usize = parts.iter().map(|p| p.len()).sum();
    let columns = columns.max(1);
    if total <= columns * 2 || x_max <= x_min {
        return parts.concat();
    }
    let width = (x_max - x_min) / columns as f64;
    let mut out = Vec::with_capacity(columns * 2 + 2);
    let mut bucket: Option<(i64, [f64; 2], [f64; 2])> = None;
    let flush = |out: &mut Vec<[f64; 2]>, (_, lo, hi): (i64, [f64; 2], [f64; 2])| {
        if lo == hi {
            out.push(lo);
        } else if lo[0] <= hi[0] {
            out.extend([lo, hi]);
        } else {
            out.extend([hi, lo]);
        }
    };
    for p in parts.iter().flat_map(|s| s.iter()) {
        let col = ((p[0] - x_min) / width).floor() as i64;
        match &mut bucket {
            Some((c, lo, hi)) if *c == col => {
                if p[1] < lo[1] {
                    *lo = *p;
                }
                if p[1] > hi[1] {
                    *hi = *p;
                }
            }
            _ => {
                if let Some(b) = bucket.take() {
                    flush(&mut out, b);
                }
                bucket = Some((col, *p, *p));
            }
        }
    }
    if let Some(b) = bucket {
        flush(&mut out, b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(n: usize) -> Vec<[f64; 2]> {
        (0..n).map(|i| [i as f64, (i % 7) as f64]).collect()
    }

    #[test]
    fn short_series_are_untouched() {
        let s = series(10);
        assert_eq!(decimate((&s, &[]), 0.0, 9.0, 100), s);
    }

    #[test]
    fn long_series_shrink_to_two_points_per_column_and_keep_extremes() {
        let mut s = series(100_000);
        s[54_321][1] = 1000.0; // a spike
        s[77_777][1] = -5.0; // a dip
        let d = decimate((&s, &[]), 0.0, 99_999.0, 500);
        assert!(d.len() <= 1002, "{} points", d.len());
        assert!(d.contains(&[54_321.0, 1000.0]));
        assert!(d.contains(&[77_777.0, -5.0]));
        assert!(d.windows(2).all(|w| w[0][0] <= w[1][0]), "not in time order");
    }

    #[test]
    fn only_the_visible_window_is_used_across_both_ring_halves() {
        let s = series(1000);
        let (a, b) = s.split_at(600);
        let d = decimate((a, b), 550.0, 650.0, 1000);
        assert_eq!(d.first().unwrap()[0], 549.0);
        assert_eq!(d.last().unwrap()[0], 651.0);
        assert_eq!(d.len(), 103);
    }

    #[test]
    fn empty_and_degenerate_windows() {
        assert!(decimate((&[], &[]), 0.0, 1.0, 10).is_empty());
        let s = series(5);
        assert_eq!(decimate((&s, &[]), 3.0, 3.0, 0).len(), 3);
    }
}
