//! A bounded ring buffer that counts what it had to drop: memory stays flat however long
//! the inspector runs, and the UI can say how much history fell off the end.

use std::collections::VecDeque;

/// A FIFO of at most `capacity` items: a push onto a full ring drops the oldest and counts it.
#[derive(Debug, Clone)]
pub struct Ring<T> {
    items: VecDeque<T>,
    capacity: usize,
    dropped: u64,
}

impl<T> Ring<T> {
    /// An empty ring holding at most `capacity` items (at least 1); storage grows as items arrive.
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Ring { items: VecDeque::with_capacity(capacity.min(16)), capacity, dropped: 0 }
    }

    /// Appends `item`; when full, the oldest item is dropped and counted in `dropped`.
    pub fn push(&mut self, item: T) {
        if self.items.len() == self.capacity {
            self.items.pop_front();
            self.dropped += 1;
        } else if self.items.len() == self.items.capacity() {
            // Grow by doubling, but never past the bound: a full ring then wraps inside
            // exactly the memory it has, and RSS stays flat.
            // (max then min, not clamp: clamp panics when the bound is under 16.)
            let target = (self.items.len() * 2).max(16).min(self.capacity);
            self.items.reserve_exact(target - self.items.len());
        }
        self.items.push_back(item);
    }

    /// Items held now.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether it holds no items.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The most items it holds (the bound, not the storage allocated).
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many items were pushed out since creation (or the last `clear`).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The items, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + ExactSizeIterator {
        self.items.iter()
    }

    /// The newest item.
    pub fn last(&self) -> Option<&T> {
        self.items.back()
    }

    /// The `i`-th item, counting from the oldest (0).
    pub fn get(&self, i: usize) -> Option<&T> {
        self.items.get(i)
    }

    /// Both halves of the storage, oldest first (no copy).
    pub fn as_slices(&self) -> (&[T], &[T]) {
        self.items.as_slices()
    }

    /// Shrinks or grows the bound; shrinking drops the oldest items and counts them.
    pub fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity.max(1);
        while self.items.len() > self.capacity {
            self.items.pop_front();
            self.dropped += 1;
        }
    }

    /// Removes every item and resets the `dropped` count.
    pub fn clear(&mut self) {
        self.items.clear();
        self.dropped = 0;
    }

    /// Makes the storage contiguous so a plot can borrow it as one slice.
    pub fn make_contiguous(&mut self) -> &[T] {
        self.items.make_contiguous()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ring costs what it holds, not its bound: the model keeps thousands of series, most
    /// of them short (ended associations), and 4,096 points reserved up front for each held
    /// about 64 KiB per series (the 10,000-association churn fault test grew 40 MiB).
    #[test]
    fn a_new_ring_reserves_little() {
        let mut r: Ring<[f64; 2]> = Ring::new(1_000_000);
        assert!(r.items.capacity() <= 16, "{}", r.items.capacity());
        for i in 0..100 {
            r.push([f64::from(i), 0.0]);
        }
        assert!(r.items.capacity() <= 256, "{}", r.items.capacity());
    }

    #[test]
    fn keeps_the_newest_and_counts_drops() {
        let mut r = Ring::new(3);
        for i in 0..5 {
            r.push(i);
        }
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![2, 3, 4]);
        assert_eq!((r.len(), r.dropped(), r.last()), (3, 2, Some(&4)));
    }

    #[test]
    fn shrinking_drops_oldest() {
        let mut r = Ring::new(5);
        (0..5).for_each(|i| r.push(i));
        r.set_capacity(2);
        assert_eq!(r.iter().copied().collect::<Vec<_>>(), vec![3, 4]);
        assert_eq!(r.dropped(), 3);
        r.clear();
        assert_eq!((r.len(), r.dropped()), (0, 0));
    }

    #[test]
    fn storage_never_grows_past_the_bound() {
        let mut r = Ring::new(36_000);
        for i in 0..100_000 {
            r.push(i);
        }
        assert!(r.items.capacity() < 36_000 + 36_000 / 2, "capacity {}", r.items.capacity());
        assert_eq!(r.len(), 36_000);
    }

    #[test]
    fn growing_a_small_bound_keeps_pushing() {
        for (from, to) in [(3, 10), (1, 15), (3, 16), (3, 40)] {
            let mut r = Ring::new(from);
            (0..from).for_each(|i| r.push(i));
            r.set_capacity(to);
            (0..2 * to).for_each(|i| r.push(i));
            assert_eq!(r.len(), to, "{from} -> {to}");
        }
    }

    #[test]
    fn zero_capacity_is_one() {
        let mut r = Ring::new(0);
        r.push(1);
        r.push(2);
        assert_eq!((r.len(), r.capacity(), r.dropped()), (1, 1, 1));
    }

    #[test]
    fn contiguous_view_is_in_order() {
        let mut r = Ring::new(3);
        (0..7).for_each(|i| r.push(i));
        assert_eq!(r.make_contiguous(), &[4, 5, 6]);
    }
}
