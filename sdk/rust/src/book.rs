//! Order books rebuilt from the data: L2 from `book_delta`, L3 from `mbo`.
//!
//! Both keep levels in price order, so the top of book after any row is exact: the same
//! floats the files hold, level by level, as `book_snapshot` shows them.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::manifest::Grid;
use crate::records::{Action, BookDelta, BookSnapshot, Level, Mbo, Side};

/// Map key of a price: the bit pattern of a non-negative float orders like the float.
fn key(price: f64) -> u64 {
    debug_assert!(price >= 0.0);
    price.to_bits()
}

/// One side of a book: level size and order count by price.
#[derive(Debug, Clone, Default)]
struct Ladder {
    levels: BTreeMap<u64, (f64, u32)>,
}

impl Ladder {
    fn top(&self, depth: usize, best_high: bool) -> Vec<Level> {
        let level = |(k, (size, _)): (&u64, &(f64, u32))| Level {
            price: f64::from_bits(*k),
            size: *size,
        };
        if best_high {
            self.levels.iter().rev().take(depth).map(level).collect()
        } else {
            self.levels.iter().take(depth).map(level).collect()
        }
    }
}

fn compare(snapshot: &BookSnapshot, bids: &[Level], asks: &[Level]) -> Result<()> {
    let mut problems = Vec::new();
    for (name, want, have) in [("bid", &snapshot.bids, bids), ("ask", &snapshot.asks, asks)] {
        for i in 0..want.len().max(have.len()) {
            if want.get(i) != have.get(i) {
                problems.push(format!(
                    "seq {}: snapshot {name} {i} is {:?}, the book has {:?}",
                    snapshot.seq,
                    want.get(i),
                    have.get(i)
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Verify(problems))
    }
}

/// The L2 book: price levels replayed from `book_delta` rows.
///
/// ```no_run
/// use aleatoric::{BookDelta, Dataset, Event, L2Book};
///
/// let ds = Dataset::open("data/btc-calm")?;
/// let mut book = L2Book::new();
/// for event in ds.events(&ds.instruments()[0]) {
///     match event? {
///         Event::BookDelta(d) => book.apply(&d),
///         Event::BookSnapshot(s) => book.check_snapshot(&s)?,
///         _ => {}
///     }
/// }
/// # Ok::<(), aleatoric::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct L2Book {
    bids: Ladder,
    asks: Ladder,
}

impl L2Book {
    /// An empty book.
    pub fn new() -> L2Book {
        L2Book::default()
    }

    /// Set a level to the row's size and order count (size 0 removes it).
    pub fn apply(&mut self, delta: &BookDelta) {
        let side = match delta.side {
            Side::Bid => &mut self.bids,
            Side::Ask => &mut self.asks,
            Side::None => return,
        };
        if delta.size == 0.0 {
            side.levels.remove(&key(delta.price));
        } else {
            side.levels
                .insert(key(delta.price), (delta.size, delta.order_count));
        }
    }

    /// Best bid, if any.
    pub fn best_bid(&self) -> Option<Level> {
        self.bids.top(1, true).pop()
    }

    /// Best ask, if any.
    pub fn best_ask(&self) -> Option<Level> {
        self.asks.top(1, false).pop()
    }

    /// The best `depth` levels of each side, best first: (bids, asks).
    pub fn top(&self, depth: usize) -> (Vec<Level>, Vec<Level>) {
        (self.bids.top(depth, true), self.asks.top(depth, false))
    }

    /// Resting orders at a level (0 if there is none).
    pub fn order_count(&self, side: Side, price: f64) -> u32 {
        let ladder = if side == Side::Bid {
            &self.bids
        } else {
            &self.asks
        };
        ladder.levels.get(&key(price)).map_or(0, |l| l.1)
    }

    /// Check that the book's top levels equal a snapshot's, level by level.
    ///
    /// # Errors
    /// [`Error::Verify`] naming each level that differs.
    pub fn check_snapshot(&self, snapshot: &BookSnapshot) -> Result<()> {
        let (bids, asks) = self.top(snapshot.depth);
        compare(snapshot, &bids, &asks)
    }
}

/// A resting order of the L3 book.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Order {
    /// Bid or ask.
    pub side: Side,
    /// Limit price.
    pub price: f64,
    /// Remaining size, in whole steps of the size grid.
    pub units: i64,
}

/// The L3 book: every resting order by id, replayed from `mbo` rows; its levels aggregate
/// the orders exactly (sizes are summed in whole lots, then turned into floats as the engine
/// does, so they equal `book_delta` and `book_snapshot` bit for bit).
#[derive(Debug, Clone)]
pub struct L3Book {
    grid: Grid,
    orders: HashMap<u64, Order>,
    bids: BTreeMap<u64, (i64, u32)>,
    asks: BTreeMap<u64, (i64, u32)>,
}

impl L3Book {
    /// An empty book on `size_grid` (see [`crate::InstrumentRules::size_grid`]).
    pub fn new(size_grid: Grid) -> L3Book {
        L3Book {
            grid: size_grid,
            orders: HashMap::new(),
            bids: BTreeMap::new(),
            asks: BTreeMap::new(),
        }
    }

    fn ladder(&mut self, side: Side) -> &mut BTreeMap<u64, (i64, u32)> {
        if side == Side::Bid {
            &mut self.bids
        } else {
            &mut self.asks
        }
    }

    fn change(&mut self, side: Side, price: f64, units: i64, orders: i32) {
        let ladder = self.ladder(side);
        let level = ladder.entry(key(price)).or_insert((0, 0));
        level.0 += units;
        level.1 = level.1.wrapping_add_signed(orders);
        if level.1 == 0 {
            ladder.remove(&key(price));
        }
    }

    /// Apply an `mbo` row.
    ///
    /// # Errors
    /// [`Error::Invalid`] if the row contradicts the book: an add of a live order id, a
    /// cancel, modify or fill of an unknown order, or at another side or price than the
    /// order's.
    pub fn apply(&mut self, row: &Mbo) -> Result<()> {
        let units = self.grid.to_units(row.size);
        let bad = |what: &str| {
            Err(Error::Invalid(format!(
                "seq {}: {what} (order {})",
                row.seq, row.order_id
            )))
        };
        match row.action {
            Action::Trade => Ok(()),
            Action::Add => {
                if row.side == Side::None {
                    return bad("add without a side");
                }
                if self.orders.contains_key(&row.order_id) {
                    return bad("add of a live order");
                }
                self.orders.insert(
                    row.order_id,
                    Order {
                        side: row.side,
                        price: row.price,
                        units,
                    },
                );
                self.change(row.side, row.price, units, 1);
                Ok(())
            }
            Action::Cancel | Action::Modify | Action::Fill => {
                let Some(order) = self.orders.get(&row.order_id).copied() else {
                    return bad("change of an unknown order");
                };
                if order.side != row.side || order.price != row.price {
                    return bad("change at another side or price than the order's");
                }
                // C carries the remaining size removed, F the size filled: both reduce.
                let left = if row.action == Action::Modify {
                    units
                } else {
                    order.units - units
                };
                if left <= 0 {
                    self.orders.remove(&row.order_id);
                    self.change(order.side, order.price, -order.units, -1);
                } else {
                    self.orders.insert(
                        row.order_id,
                        Order {
                            units: left,
                            ..order
                        },
                    );
                    self.change(order.side, order.price, left - order.units, 0);
                }
                Ok(())
            }
        }
    }

    /// A resting order by id.
    pub fn order(&self, order_id: u64) -> Option<&Order> {
        self.orders.get(&order_id)
    }

    /// Number of resting orders.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    /// Whether no order rests.
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Total size and order count at a level.
    pub fn level(&self, side: Side, price: f64) -> (f64, u32) {
        let ladder = if side == Side::Bid {
            &self.bids
        } else {
            &self.asks
        };
        ladder
            .get(&key(price))
            .map_or((0.0, 0), |&(u, n)| (self.grid.to_float(u), n))
    }

    /// The best `depth` levels of each side, best first: (bids, asks).
    pub fn top(&self, depth: usize) -> (Vec<Level>, Vec<Level>) {
        let level = |(k, (u, _)): (&u64, &(i64, u32))| Level {
            price: f64::from_bits(*k),
            size: self.grid.to_float(*u),
        };
        (
            self.bids.iter().rev().take(depth).map(level).collect(),
            self.asks.iter().take(depth).map(level).collect(),
        )
    }

    /// Check that the book's top levels equal a snapshot's, level by level.
    pub fn check_snapshot(&self, snapshot: &BookSnapshot) -> Result<()> {
        let (bids, asks) = self.top(snapshot.depth);
        compare(snapshot, &bids, &asks)
    }
}
