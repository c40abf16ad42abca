// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Stake-weighted sortition over a Fenwick (binary indexed) tree: juror ids 1..size, each
/// with a weight. `draw` finds the id whose cumulative range holds a number in [0, total) by
/// binary lifting — one storage read per level, log2(size) levels (14 at 10,000 jurors), and the
/// upper levels stay warm across the seats of one draw. `add`/`sub` touch the same log2(size)
/// nodes. Ids are appended and never reused (a juror who leaves keeps weight 0), so a node's
/// meaning never changes: node i sums the weights of ids (i - lowbit(i), i].
library StakeTree {
    struct Tree {
        uint256 size; //  ids assigned so far
        uint256 total; // sum of all weights
        mapping(uint256 node => uint256 sum) nodes;
    }

    /// @dev Appends a new id with weight 0. A new node i covers ids (i - lowbit(i), i]; all but
    /// itself already exist, so its sum is the prefix difference of those below it.
    function append(Tree storage t) internal returns (uint256 id) {
        id = t.size + 1;
        t.size = id;
        uint256 low = id & (~id + 1);
        if (low > 1) t.nodes[id] = prefix(t, id - 1) - prefix(t, id - low);
    }

    function add(Tree storage t, uint256 id, uint256 amount) internal {
        if (amount == 0) return;
        uint256 size = t.size;
        t.total += amount;
        for (uint256 i = id; i <= size; i += i & (~i + 1)) {
            t.nodes[i] += amount;
        }
    }

    function sub(Tree storage t, uint256 id, uint256 amount) internal {
        if (amount == 0) return;
        uint256 size = t.size;
        t.total -= amount;
        for (uint256 i = id; i <= size; i += i & (~i + 1)) {
            t.nodes[i] -= amount;
        }
    }

    /// @dev Sum of the weights of ids 1..id.
    function prefix(Tree storage t, uint256 id) internal view returns (uint256 sum) {
        for (uint256 i = id; i != 0; i &= i - 1) {
            sum += t.nodes[i];
        }
    }

    /// @dev The id whose cumulative range [prefix(id-1), prefix(id)) holds `random % total`:
    /// each id is drawn with probability weight / total. The caller checks total != 0.
    function draw(Tree storage t, uint256 random) internal view returns (uint256 id) {
        uint256 r = random % t.total;
        uint256 size = t.size;
        uint256 step = 1;
        while (step << 1 <= size) step <<= 1;
        for (; step != 0; step >>= 1) {
            uint256 next = id + step;
            if (next <= size) {
                uint256 sum = t.nodes[next];
                if (sum <= r) {
                    id = next;
                    r -= sum;
                }
            }
        }
        return id + 1;
    }
}
