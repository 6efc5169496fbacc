package errctx

import "reflect"

// maxWalk bounds the errors any walk over a chain visits, so that a chain of
// any depth, or a cycle among errors that cannot be compared, still ends.
const maxWalk = 1 << 14

// inlinePath is how many errors a guard remembers without allocating.
const inlinePath = 16

// step is what a guard says about the next error of a walk.
type step uint8

const (
	visit     step = iota // a new error: visit it
	cycle                 // an ancestor of itself: a custom Unwrap made a cycle
	exhausted             // maxWalk errors visited: stop
)

// guard bounds one walk and detects cycles. It keeps the path from the root
// to the current error; an error met again among its own ancestors is a
// cycle and is not walked again. (An error reached twice through different
// branches of a multi-error is not a cycle, and is visited twice, as
// errors.Is does.) Only pointers are compared, since == on other dynamic
// types can panic; a cycle made only of those ends at maxWalk.
type guard struct {
	n     int
	depth int               // length of the path
	inl   [inlinePath]error // the path's first errors; kept in place so a guard never escapes
	more  []error           // the rest of the path
	index map[error]int     // how often each error is on the path, once it is long
}

// at returns the i-th error of the path.
func (g *guard) at(i int) error {
	if i < inlinePath {
		return g.inl[i]
	}
	return g.more[i-inlinePath]
}

// enter counts err and pushes it on the path.
func (g *guard) enter(err error) step {
	if g.n >= maxWalk {
		return exhausted
	}
	g.n++
	if _, ok := err.(*Error); !ok && reflect.TypeOf(err).Kind() != reflect.Pointer {
		return visit
	}
	if g.index != nil {
		if g.index[err] > 0 {
			return cycle
		}
		g.index[err]++
	} else {
		for i := range g.depth {
			if g.inl[i] == err {
				return cycle
			}
		}
	}
	if g.depth < inlinePath {
		g.inl[g.depth] = err
	} else {
		g.more = append(g.more, err)
	}
	g.depth++
	if g.index == nil && g.depth > inlinePath {
		g.index = make(map[error]int, 4*inlinePath)
		for i := range g.depth {
			g.index[g.at(i)]++
		}
	}
	return visit
}

// mark returns the current path length, for restore.
func (g *guard) mark() int { return g.depth }

// restore pops the path back to a mark, when a walk returns from a branch.
func (g *guard) restore(m int) {
	if g.index != nil {
		for i := m; i < g.depth; i++ {
			g.index[g.at(i)]--
		}
	}
	if m < inlinePath {
		clear(g.inl[m:min(g.depth, inlinePath)])
		g.more = g.more[:0]
	} else {
		clear(g.more[m-inlinePath:])
		g.more = g.more[:m-inlinePath]
	}
	g.depth = m
}

// children returns what err wraps: one error, or several (errors.Join and
// other multi-errors). A nil *Error has no children.
func children(err error) (one error, many []error) {
	switch x := err.(type) {
	case *Error:
		if x != nil {
			return x.cause, nil
		}
	case interface{ Unwrap() error }:
		return x.Unwrap(), nil
	case interface{ Unwrap() []error }:
		return nil, x.Unwrap()
	}
	return nil, nil
}

// node is one error met by walk, with its nesting depth: 0 on the main chain,
// one more inside each multi-error.
type node struct {
	err   error
	depth int
	step  step
	mark  int // the guard's path length at the parent
}

// walk calls fn for every error in err's tree, depth first and pre-order
// (outermost first, the branches of a multi-error in order), as errors.Is
// does. fn also sees each cycle and the cut-off as a node whose step says so;
// the walk does not descend into those. fn returns false to stop.
func walk(err error, fn func(node) bool) {
	var g guard
	var stackArr [8]node
	stack := append(stackArr[:0], node{err: err})
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n.err == nil {
			continue
		}
		g.restore(n.mark)
		n.step = g.enter(n.err)
		if !fn(n) || n.step == exhausted {
			return
		}
		if n.step == cycle {
			continue
		}
		one, many := children(n.err)
		m := g.mark()
		if one != nil {
			stack = append(stack, node{err: one, depth: n.depth, mark: m})
		}
		for i := len(many) - 1; i >= 0; i-- {
			stack = append(stack, node{err: many[i], depth: n.depth + 1, mark: m})
		}
	}
}
