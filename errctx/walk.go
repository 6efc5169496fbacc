package errctx

import "reflect"

// maxWalk bounds the errors any walk over a chain visits, so that a chain of
// any depth, or a cycle among errors that cannot be compared, still ends.
const maxWalk = 1 << 14

// inlineSeen is how many visited errors a guard remembers without allocating.
const inlineSeen = 16

// step is what a guard says about the next error of a walk.
type step uint8

const (
	visit     step = iota // a new error: visit it
	cycle                 // seen before: a custom Unwrap made a cycle
	exhausted             // maxWalk errors visited: stop
)

// guard bounds one walk and detects cycles. Errors that are pointers are
// remembered (the first few in an array, then in a map), and an error met
// again is reported as a cycle instead of being walked twice. Errors of other
// kinds are not compared, since == on them can panic; a cycle made only of
// those ends at maxWalk.
type guard struct {
	n     int
	inl   [inlineSeen]error
	inlN  int
	more  map[error]struct{}
	trunc bool // set once the walk was cut short by maxWalk
}

func (g *guard) enter(err error) step {
	if g.n >= maxWalk {
		g.trunc = true
		return exhausted
	}
	g.n++
	if _, ok := err.(*Error); !ok && reflect.TypeOf(err).Kind() != reflect.Pointer {
		return visit
	}
	for _, s := range g.inl[:g.inlN] {
		if s == err {
			return cycle
		}
	}
	if _, ok := g.more[err]; ok {
		return cycle
	}
	if g.inlN < inlineSeen {
		g.inl[g.inlN] = err
		g.inlN++
		return visit
	}
	if g.more == nil {
		g.more = make(map[error]struct{})
	}
	g.more[err] = struct{}{}
	return visit
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
		n.step = g.enter(n.err)
		if !fn(n) || n.step == exhausted {
			return
		}
		if n.step == cycle {
			continue
		}
		one, many := children(n.err)
		if one != nil {
			stack = append(stack, node{err: one, depth: n.depth})
		}
		for i := len(many) - 1; i >= 0; i-- {
			stack = append(stack, node{err: many[i], depth: n.depth + 1})
		}
	}
}
