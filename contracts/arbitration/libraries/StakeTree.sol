// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Stake-weighted sortition over a 4-ary sum tree: juror ids 1..size, each with a weight
/// (in the court's stake quanta). Every slot holds the sums of 4 children as 4 × uint64 lanes, so
/// a draw reads one slot per level: ceil(log4(size)) levels — 7 at 10,000 jurors, where a binary
/// tree needs 14 — and the upper levels stay warm across the seats of one panel. An update
/// writes the same path. Levels are numbered from the leaves and the tree grows at the top
/// without moving anything: slot (level l, index j) holds the sums of the 4 subtrees covering
/// leaves [j·4^(l+1) + k·4^l, … + 4^l), k = 0..3. Ids are appended and never reused (a juror who
/// leaves keeps weight 0).
library StakeTree {
    uint256 private constant LANE = type(uint64).max;

    struct Tree {
        uint64 size; //    ids assigned so far
        uint8 levels; //   slots on every root-to-leaf path
        uint64 total; //   sum of all weights
        mapping(uint256 key => uint256 lanes) nodes; // key = level << 64 | index
    }

    error StakeTreeFull();

    /// @dev Appends a new id with weight 0; when the tree is full, a new top level whose first
    /// lane is everything so far.
    function append(Tree storage t) internal returns (uint256 id) {
        uint256 levels = t.levels;
        id = uint256(t.size) + 1;
        if (levels == 0) {
            levels = 1;
        } else if (id > (uint256(1) << (2 * levels))) {
            if (t.total != 0) t.nodes[levels << 64] = t.total;
            ++levels;
        }
        t.size = uint64(id);
        t.levels = uint8(levels);
    }

    function add(Tree storage t, uint256 id, uint256 weight) internal {
        if (weight == 0) return;
        uint256 total = uint256(t.total) + weight;
        if (total > LANE) revert StakeTreeFull(); // no lane can then overflow either
        t.total = uint64(total);
        _update(t, id, weight, true);
    }

    function sub(Tree storage t, uint256 id, uint256 weight) internal {
        if (weight == 0) return;
        t.total -= uint64(weight);
        _update(t, id, weight, false);
    }

    /// @dev The id whose range holds `random % total`: each id is drawn with probability
    /// weight / total. The caller checks total != 0.
    function draw(Tree storage t, uint256 random) internal view returns (uint256) {
        uint256 r = random % t.total;
        uint256 j;
        for (uint256 l = t.levels; l != 0;) {
            --l;
            uint256 lanes = t.nodes[(l << 64) | j];
            uint256 k;
            while (k < 3) {
                uint256 w = lanes & LANE;
                if (r < w) break;
                r -= w;
                lanes >>= 64;
                ++k;
            }
            j = (j << 2) | k;
        }
        return j + 1;
    }

    function _update(Tree storage t, uint256 id, uint256 weight, bool up) private {
        uint256 leaf = id - 1;
        uint256 levels = t.levels;
        for (uint256 l; l < levels; ++l) {
            uint256 key = (l << 64) | (leaf >> (2 * (l + 1)));
            uint256 shift = ((leaf >> (2 * l)) & 3) * 64;
            if (up) t.nodes[key] += weight << shift;
            else t.nodes[key] -= weight << shift;
        }
    }
}
