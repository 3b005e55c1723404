//! Tables for games of 3 or more seats: each round, players by points in
//! tables of the game's size.

/// Seats `order` (players by points, best first) at tables of `size`; a
/// last table smaller than `min` cannot play, and its players sit the round
/// out. Round `round` turns the seats of each table by one more place, so
/// that who moves first varies.
pub fn seat(
    order: &[usize],
    size: usize,
    min: usize,
    round: usize,
) -> (Vec<Vec<usize>>, Vec<usize>) {
    let size = size.max(2);
    let mut tables = Vec::new();
    let mut out = Vec::new();
    for chunk in order.chunks(size) {
        if chunk.len() < min.max(2) {
            out.extend_from_slice(chunk);
            continue;
        }
        let mut table = chunk.to_vec();
        let turn = round % table.len();
        table.rotate_left(turn);
        tables.push(table);
    }
    (tables, out)
}

/// Points by placement at a table of `seats`: the first place gets
/// `seats - 1`, the last 0; tied places share the points of the places
/// they cover (in half points, so a two-way tie for first at 3 gets 3
/// each: (2 + 1) / 2 points).
pub fn placement_half_points(places: &[usize]) -> Vec<u32> {
    let seats = places.len();
    places
        .iter()
        .map(|&place| {
            let tied = places.iter().filter(|&&p| p == place).count();
            // Places place..place+tied-1 share (seats-1-place) down to (seats-place-tied).
            let sum: usize = (place..place + tied)
                .map(|p| seats - 1 - p.min(seats - 1))
                .sum();
            (2 * sum / tied) as u32
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_of_three_with_a_leftover() {
        let order: Vec<usize> = (0..8).collect();
        let (tables, out) = seat(&order, 3, 2, 0);
        assert_eq!(tables, vec![vec![0, 1, 2], vec![3, 4, 5], vec![6, 7]]);
        assert!(out.is_empty());
        let (tables, out) = seat(&order, 3, 3, 1);
        assert_eq!(tables, vec![vec![1, 2, 0], vec![4, 5, 3]]);
        assert_eq!(out, vec![6, 7]);
    }

    #[test]
    fn placement_points_by_hand() {
        // Four seats, places 0 1 2 3: 3, 2, 1, 0 points (6, 4, 2, 0 halves).
        assert_eq!(placement_half_points(&[0, 1, 2, 3]), vec![6, 4, 2, 0]);
        // Two tied first of three: (2 + 1) / 2 = 1.5 each; the last 0.
        assert_eq!(placement_half_points(&[0, 0, 2]), vec![3, 3, 0]);
        // One winner, the rest tied second of 3: 2, then (1 + 0) / 2.
        assert_eq!(placement_half_points(&[0, 1, 1]), vec![4, 1, 1]);
    }
}
