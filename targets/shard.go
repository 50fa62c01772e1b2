package targets

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
)

// Shard is one replica's slice of the fleet: replica Index of Count.
type Shard struct {
	Index, Count int
}

// ParseShard parses "i/n" (0 <= i < n), as given by --shard.
func ParseShard(s string) (Shard, error) {
	i, n, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, fmt.Errorf("shard %q: use i/n, e.g. 0/3 for the first of three replicas", s)
	}
	idx, err1 := strconv.Atoi(i)
	cnt, err2 := strconv.Atoi(n)
	if err1 != nil || err2 != nil || cnt < 1 || idx < 0 || idx >= cnt {
		return Shard{}, fmt.Errorf("shard %q: use i/n with 0 <= i < n, e.g. 0/3", s)
	}
	return Shard{Index: idx, Count: cnt}, nil
}

// Owns reports whether this replica owns the target name, by rendezvous (highest random
// weight) hashing: every replica computes the same owner without coordination, and changing
// the replica count moves only about 1/n of the targets.
func (s Shard) Owns(name string) bool {
	if s.Count <= 1 {
		return true
	}
	best, bestW := 0, uint64(0)
	for i := 0; i < s.Count; i++ {
		h := fnv.New64a()
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write([]byte(strconv.Itoa(i)))
		if w := mix(h.Sum64()); i == 0 || w > bestW {
			best, bestW = i, w
		}
	}
	return best == s.Index
}

// mix is the splitmix64 finaliser: FNV alone distributes short, similar names poorly.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Filter returns the targets this replica owns.
func (s Shard) Filter(ts []Target) []Target {
	if s.Count <= 1 {
		return ts
	}
	out := make([]Target, 0, len(ts)/s.Count+1)
	for _, t := range ts {
		if s.Owns(t.Name) {
			out = append(out, t)
		}
	}
	return out
}
