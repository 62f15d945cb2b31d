//! A compiled expression: a DAG of primitives in topological (let) order.
//!
//! Each node reads earlier slots and writes one new slot, so the program is
//! the let-form `let s₁ = op₁(…) in let s₂ = op₂(…) in …` of the expression:
//! a value used twice is computed once, and in reverse mode its cotangents
//! from both uses are accumulated in place into one slot before it is pulled
//! back once. The derivative of the whole program at a point is a
//! [`GraphLin`]: a [`LinearMap`] (apply = tangent sweep forward, transpose =
//! cotangent sweep backward) that every mode lifts like any other primitive.
//!
//! Buffers are recycled through a small pool owned by the program, so that
//! repeated evaluations at large `n` do not pay page faults for fresh
//! allocations.

use super::io::{Inputs, Output};
use super::op::{Ctx, Op};
use super::plan::{Class, Plan};
use super::tiled::{GradPart, Pass, Scratch, Source};
use crate::engine::Engine;
use crate::linear::{LinearMap, expect_shape};
use crate::{Error, Real, Space};
use std::borrow::Cow;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// One node: a primitive applied to earlier slots.
pub(crate) struct Node<S: Real> {
    pub(crate) op: Arc<dyn Op<S>>,
    pub(crate) args: Vec<usize>,
    /// Where the expression node was built, for length messages.
    pub(crate) at: Option<&'static std::panic::Location<'static>>,
}

/// A compiled expression graph over scalars `S`.
pub struct Program<S: Real> {
    pub(crate) n_inputs: usize,
    pub(crate) nodes: Vec<Node<S>>,
    pub(crate) output: usize,
    /// Per slot: does it depend on an input (is its tangent nonzero)?
    active: Vec<bool>,
    /// Per slot: is it a scalar (it broadcasts when it also has length one)?
    scalar: Vec<bool>,
    /// Per slot: the last node reading it (`usize::MAX` if none).
    last_use: Vec<usize>,
    pool: Mutex<HashMap<usize, Vec<Vec<S>>>>,
    /// The slot lengths for the last input lengths checked: the entry check
    /// of a lens and the evaluation behind it infer them once, not twice.
    lens_memo: Mutex<Option<LensMemo>>,
    /// The tile plan for the last input lengths and tile length asked for
    /// (`None` inside: the program runs whole-vector at those lengths).
    plan_memo: Mutex<Option<PlanMemo<S>>>,
    /// Tile workers' buffers, kept between passes.
    pub(crate) scratch: Mutex<Vec<Scratch<S>>>,
}

/// Input lengths and tile length, and the plan they give.
type PlanMemo<S> = (Vec<usize>, usize, Option<Arc<Plan<S>>>);

/// Input lengths and the slot lengths they give.
type LensMemo = (Vec<usize>, Arc<Vec<usize>>);

impl<S: Real> std::fmt::Debug for Program<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Program ({} inputs)", self.n_inputs)?;
        for (k, n) in self.nodes.iter().enumerate() {
            writeln!(
                f,
                "  s{} = {}({:?})",
                self.n_inputs + k,
                n.op.name(),
                n.args
            )?;
        }
        write!(f, "  return s{}", self.output)
    }
}

/// Most buffers kept for reuse; beyond that they are freed.
const POOL_CAP: usize = 256;

/// Buffers this short are not pooled (scalars, tiny vectors).
const SMALL: usize = 64;

impl<S: Real> Program<S> {
    /// A program over input slots of the given kinds (`true`: a scalar).
    pub(crate) fn new(input_scalar: &[bool], nodes: Vec<Node<S>>, output: usize) -> Self {
        let n_inputs = input_scalar.len();
        let n_slots = n_inputs + nodes.len();
        let mut active = vec![false; n_slots];
        let mut last_use = vec![usize::MAX; n_slots];
        let mut scalar = input_scalar.to_vec();
        for a in active.iter_mut().take(n_inputs) {
            *a = true;
        }
        let mut arg_scalar = Vec::new();
        for (k, node) in nodes.iter().enumerate() {
            active[n_inputs + k] = node.args.iter().any(|&a| active[a]);
            for &a in &node.args {
                last_use[a] = k;
            }
            arg_scalar.clear();
            arg_scalar.extend(node.args.iter().map(|&a| scalar[a]));
            scalar.push(node.op.scalar_output(&arg_scalar));
        }
        Program {
            n_inputs,
            nodes,
            output,
            active,
            scalar,
            last_use,
            pool: Mutex::new(HashMap::new()),
            lens_memo: Mutex::new(None),
            plan_memo: Mutex::new(None),
            scratch: Mutex::new(Vec::new()),
        }
    }

    /// Is slot `s` a scalar (it broadcasts when it has length one)?
    pub(crate) fn is_scalar(&self, s: usize) -> bool {
        self.scalar[s]
    }

    /// Does slot `s` depend on an input?
    pub(crate) fn is_active(&self, s: usize) -> bool {
        self.active[s]
    }

    /// The values of the slots no input reaches (constants and what is
    /// computed from them alone), whole; `None` for the other slots.
    pub(crate) fn eval_inactive(&self, lens: &[usize]) -> Vec<Option<Vec<S>>> {
        let ni = self.n_inputs;
        let mut vals: Vec<Option<Vec<S>>> = vec![None; lens.len()];
        for (k, node) in self.nodes.iter().enumerate() {
            if self.active[ni + k] {
                continue;
            }
            let mut y = vec![S::zero(); lens[ni + k]];
            let args: Vec<&[S]> = node
                .args
                .iter()
                .map(|&a| {
                    vals[a]
                        .as_deref()
                        .expect("an inactive node reads inactive slots")
                })
                .collect();
            node.op.eval(&args, &mut y);
            vals[ni + k] = Some(y);
        }
        vals
    }

    /// The tile plan for these slot lengths under `engine`, if the program
    /// runs tiled there.
    fn plan(&self, lens: &[usize], engine: &Engine) -> Option<Arc<Plan<S>>> {
        if !engine.tiled {
            return None;
        }
        let tile = engine.tile_len(std::mem::size_of::<S>());
        let inputs = &lens[..self.n_inputs];
        if let Ok(memo) = self.plan_memo.lock()
            && let Some((l, t, p)) = &*memo
            && l[..] == *inputs
            && *t == tile
        {
            return p.clone();
        }
        let plan = Plan::new(self, lens, tile).map(Arc::new);
        if let Ok(mut memo) = self.plan_memo.lock() {
            *memo = Some((inputs.to_vec(), tile, plan.clone()));
        }
        plan
    }

    /// The number of tiles this program runs in for these input lengths
    /// under the engine settings in force (`None`: whole-vector).
    pub(crate) fn tile_count(&self, input_lens: &[usize]) -> Option<usize> {
        let lens = self.check_inputs(input_lens).ok()?;
        self.plan(&lens, &Engine::current()).map(|p| p.n_tiles())
    }

    /// The scalar tail after the tiles, at root values `roots`: the output
    /// value and the cotangent of every root (seeded with 1 at the output).
    fn tail(&self, plan: &Plan<S>, pre: &[Option<Vec<S>>], roots: &[S]) -> (S, Vec<S>) {
        let ni = self.n_inputs;
        let n_slots = plan.lens.len();
        let mut vals: Vec<Vec<S>> = vec![Vec::new(); n_slots];
        for (r, root) in plan.roots.iter().enumerate() {
            vals[root.slot] = vec![roots[r]];
        }
        let mut saved: Vec<Vec<S>> = vec![Vec::new(); self.nodes.len()];
        let read = |vals: &[Vec<S>], a: usize| -> Vec<S> {
            match plan.class[a] {
                Class::Pre => pre[a].clone().expect("computed before the tiles"),
                _ => vals[a].clone(),
            }
        };
        for (k, node) in self.nodes.iter().enumerate() {
            if plan.class[ni + k] != Class::Tail {
                continue;
            }
            let owned: Vec<Vec<S>> = node.args.iter().map(|&a| read(&vals, a)).collect();
            let args: Vec<&[S]> = owned.iter().map(Vec::as_slice).collect();
            let mut y = vec![S::zero(); 1];
            let arg_lens: Vec<usize> = args.iter().map(|x| x.len()).collect();
            saved[k] = vec![S::zero(); node.op.saved_len(&arg_lens, 1)];
            node.op.linearize(&args, &mut y, &mut saved[k]);
            vals[ni + k] = y;
        }
        let value = vals[self.output][0];
        let mut cot: Vec<Vec<S>> = vec![Vec::new(); n_slots];
        cot[self.output] = vec![S::one()];
        for k in (0..self.nodes.len()).rev() {
            if plan.class[ni + k] != Class::Tail || cot[ni + k].is_empty() {
                continue;
            }
            let node = &self.nodes[k];
            let owned: Vec<Vec<S>> = node.args.iter().map(|&a| read(&vals, a)).collect();
            let args: Vec<&[S]> = owned.iter().map(Vec::as_slice).collect();
            let ctx = Ctx {
                inputs: &args,
                output: &vals[ni + k],
                saved: &saved[k],
            };
            let dy = cot[ni + k].clone();
            for (i, &a) in node.args.iter().enumerate() {
                if plan.class[a] == Class::Pre {
                    continue;
                }
                if cot[a].is_empty() {
                    cot[a] = vec![S::zero(); 1];
                }
                node.op.vjp_add(i, &ctx, &dy, &mut cot[a]);
            }
        }
        let gbar = plan
            .roots
            .iter()
            .map(|r| cot[r.slot].first().copied().unwrap_or_else(S::zero))
            .collect();
        (value, gbar)
    }

    /// The values of the slots computed before the tiles, for one pass:
    /// the plan's, or computed now when a primitive varies between passes.
    fn pre_values<'p>(&self, plan: &'p Plan<S>) -> Cow<'p, [Option<Vec<S>>]> {
        if plan.varying {
            Cow::Owned(self.eval_inactive(&plan.lens))
        } else {
            Cow::Borrowed(&plan.pre)
        }
    }

    /// The value by the tiled engine, if the program runs tiled.
    fn eval_tiled(&self, inputs: &[&[S]], lens: &[usize]) -> Option<S> {
        let engine = Engine::current();
        let plan = self.plan(lens, &engine)?;
        let pre = self.pre_values(&plan);
        let pass = Pass {
            prog: self,
            plan: &plan,
            pre: &pre,
            inputs,
            gbar: None,
        };
        let roots = pass.run::<&mut [S]>(engine.thread_count(), Vec::new());
        Some(self.tail(&plan, &pre, &roots).0)
    }

    /// Value and gradient by the tiled engine, if the program runs tiled:
    /// the gradient of input `a` is added into `grads[a]`. One pass when
    /// the tail is affine in the reductions, else a value pass first.
    pub(crate) fn value_grad_into<I, G>(&self, inputs: &I, grads: Vec<G>) -> Option<S>
    where
        I: Source<S> + ?Sized,
        G: GradPart<S>,
    {
        let input_lens: Vec<usize> = (0..self.n_inputs).map(|a| inputs.len(a)).collect();
        let lens = self.check_inputs(&input_lens).ok()?;
        let engine = Engine::current();
        let plan = self.plan(&lens, &engine)?;
        let threads = engine.thread_count();
        let pre = self.pre_values(&plan);
        let mut pass = Pass {
            prog: self,
            plan: &plan,
            pre: &pre,
            inputs,
            gbar: None,
        };
        let gbar = if plan.tail_affine {
            self.tail(&plan, &pre, &vec![S::zero(); plan.roots.len()]).1
        } else {
            let roots = pass.run::<G>(threads, Vec::new());
            self.tail(&plan, &pre, &roots).1
        };
        pass.gbar = Some(&gbar);
        let roots = pass.run(threads, grads);
        Some(self.tail(&plan, &pre, &roots).0)
    }

    /// [`value_grad_into`](Self::value_grad_into) into pooled buffers.
    fn value_grad_tiled(&self, inputs: &[&[S]], lens: &[usize]) -> Option<(S, Vec<Vec<S>>)> {
        self.plan(lens, &Engine::current())?;
        let mut grads: Vec<Vec<S>> = inputs.iter().map(|x| self.take(x.len())).collect();
        let parts: Vec<&mut [S]> = grads.iter_mut().map(Vec::as_mut_slice).collect();
        let value = self.value_grad_into(inputs, parts)?;
        Some((value, grads))
    }

    /// A buffer of length `n`, contents unspecified (for outputs, which
    /// every primitive overwrites). Buffers are pooled by exact length: a
    /// program evaluated again at the same size finds every buffer it needs
    /// already allocated, touched and of the right length, so it neither
    /// page-faults nor clears memory it is about to overwrite.
    pub(crate) fn take_dirty(&self, n: usize) -> Vec<S> {
        if n <= SMALL {
            return vec![S::zero(); n];
        }
        let reused = self
            .pool
            .lock()
            .ok()
            .and_then(|mut p| p.get_mut(&n).and_then(|bucket| bucket.pop()));
        reused.unwrap_or_else(|| vec![S::zero(); n])
    }

    /// A zeroed buffer of length `n` (for accumulators).
    pub(crate) fn take(&self, n: usize) -> Vec<S> {
        let mut v = self.take_dirty(n);
        v.fill(S::zero());
        v
    }

    /// Returns a buffer to the pool (small ones are simply freed).
    pub(crate) fn give(&self, v: Vec<S>) {
        if v.len() <= SMALL {
            return;
        }
        if let Ok(mut p) = self.pool.lock() {
            let total: usize = p.values().map(Vec::len).sum();
            if total < POOL_CAP {
                p.entry(v.len()).or_default().push(v);
            }
        }
    }

    /// Output lengths of every slot for the given input lengths, or the
    /// first mismatch as the primitive that found it reports it.
    pub(crate) fn lengths(&self, input_lens: &[usize]) -> Result<Vec<usize>, Error> {
        self.try_lengths(input_lens).map_err(|f| self.located(f))
    }

    /// The failure's error, with the place its node was built when known.
    fn located(&self, f: LengthFailure) -> Error {
        match (f.node.and_then(|k| self.nodes[k].at), f.error) {
            (
                Some(at),
                Error::DimensionMismatch {
                    op,
                    expected,
                    found,
                },
            ) => Error::LengthAt {
                op,
                expected,
                found,
                at,
            },
            (_, error) => error,
        }
    }

    /// Output lengths of every slot, or the failure with the node that
    /// found it and the lengths known up to it.
    fn try_lengths(&self, input_lens: &[usize]) -> Result<Vec<usize>, LengthFailure> {
        if input_lens.len() != self.n_inputs {
            return Err(LengthFailure {
                node: None,
                lens: Vec::new(),
                error: Error::DimensionMismatch {
                    op: "program inputs",
                    expected: self.n_inputs,
                    found: input_lens.len(),
                },
            });
        }
        let mut lens = Vec::with_capacity(self.n_inputs + self.nodes.len());
        lens.extend_from_slice(input_lens);
        let mut arg_lens = Vec::new();
        for (k, node) in self.nodes.iter().enumerate() {
            arg_lens.clear();
            arg_lens.extend(node.args.iter().map(|&a| lens[a]));
            if node.op.broadcasts_scalars() {
                self.broadcast(&node.args, &lens, &mut arg_lens);
            }
            match node.op.output_len(&arg_lens) {
                Ok(l) => lens.push(l),
                Err(error) => {
                    return Err(LengthFailure {
                        node: Some(k),
                        lens,
                        error,
                    });
                }
            }
        }
        Ok(lens)
    }

    /// Gives each scalar argument (a scalar slot of length one) the length
    /// of the first vector argument. A vector of length one is a vector.
    fn broadcast(&self, args: &[usize], lens: &[usize], arg_lens: &mut [usize]) {
        let is_scalar = |a: usize| self.scalar[a] && lens[a] == 1;
        if let Some(&v) = args.iter().find(|&&a| !is_scalar(a)) {
            for (l, &a) in arg_lens.iter_mut().zip(args) {
                if is_scalar(a) {
                    *l = lens[v];
                }
            }
        }
    }

    /// The lengths of every slot for these input lengths, or an error
    /// worded from the caller's side: when the mismatch is with a constant
    /// (a slot no input reaches), it names the input, its length and the
    /// length the program was built for.
    pub(crate) fn check_inputs(&self, input_lens: &[usize]) -> Result<Arc<Vec<usize>>, Error> {
        // Never wait for the memo: a thread that finds it busy infers anew.
        if let Ok(memo) = self.lens_memo.try_lock()
            && let Some((inputs, lens)) = &*memo
            && inputs[..] == *input_lens
        {
            return Ok(lens.clone());
        }
        let lens = Arc::new(
            self.try_lengths(input_lens)
                .map_err(|f| self.diagnose(input_lens, f))?,
        );
        if let Ok(mut memo) = self.lens_memo.try_lock() {
            *memo = Some((input_lens.to_vec(), lens.clone()));
        }
        Ok(lens)
    }

    fn diagnose(&self, input_lens: &[usize], f: LengthFailure) -> Error {
        let Some(k) = f.node else { return f.error };
        let Error::DimensionMismatch {
            expected, found, ..
        } = f.error
        else {
            return f.error;
        };
        let args = &self.nodes[k].args;
        let fixed = args.iter().copied().find(|&a| !self.active[a]);
        let (Some(fixed), true) = (fixed, args.iter().any(|&a| self.active[a])) else {
            return self.located(f);
        };
        let because = self.describe_constant(fixed, &f.lens);
        for (i, &n) in input_lens.iter().enumerate() {
            if self.scalar[i] {
                continue;
            }
            let mut trial = input_lens.to_vec();
            for c in candidate_lengths(n, expected, found) {
                trial[i] = c;
                if self.try_lengths(&trial).is_ok() {
                    return Error::InputLength {
                        input: i,
                        found: n,
                        expected: Some(c),
                        detail: because,
                    };
                }
            }
        }
        match (0..self.n_inputs)
            .filter(|&i| !self.scalar[i])
            .collect::<Vec<_>>()[..]
        {
            [i] => Error::InputLength {
                input: i,
                found: input_lens[i],
                expected: None,
                detail: format!("{because}; {}", f.error),
            },
            _ => self.located(f),
        }
    }

    /// Names the constant a slot no input reaches is computed from.
    fn describe_constant(&self, slot: usize, lens: &[usize]) -> String {
        let ni = self.n_inputs;
        let mut s = slot;
        // Every argument of an inactive node is inactive: follow the first
        // one down to an argument-free primitive (a constant).
        while s >= ni {
            match self.nodes[s - ni].args.first() {
                Some(&a) => s = a,
                None => break,
            }
        }
        match self.nodes[s - ni].op.name() {
            "constant" => format!("a constant of length {}", lens[s]),
            name => format!("constant `{name}`"),
        }
    }

    /// The values of slot `slot` when it is a constant read in place by
    /// the whole-vector paths ([`Op::constant_values`]): its slot stays
    /// empty (the program's output is always materialised).
    fn shared(&self, slot: usize) -> Option<&[S]> {
        if slot < self.n_inputs || slot == self.output {
            return None;
        }
        self.nodes[slot - self.n_inputs].op.constant_values()
    }

    /// Slot `a` of a whole-vector pass: its buffer, or the constant's
    /// values it shares.
    fn read<'a>(&'a self, vals: &'a [Vec<S>], a: usize) -> &'a [S] {
        self.shared(a).unwrap_or(vals[a].as_slice())
    }

    fn lengths_or_panic(&self, input_lens: &[usize]) -> Arc<Vec<usize>> {
        self.check_inputs(input_lens)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The value only; intermediate buffers are released after last use.
    pub(crate) fn eval(&self, inputs: &[&[S]]) -> Vec<S> {
        S::program_eval(self, inputs)
    }

    /// [`eval`](Self::eval) itself (the entry points are explained in
    /// [`super::entry`]).
    pub(crate) fn eval_here(&self, inputs: &[&[S]]) -> Vec<S> {
        let lens = self.lengths_or_panic(&inputs.iter().map(|x| x.len()).collect::<Vec<_>>());
        if self.output < self.n_inputs {
            return inputs[self.output].to_vec();
        }
        if let Some(v) = self.eval_tiled(inputs, &lens) {
            return vec![v];
        }
        let ni = self.n_inputs;
        let mut vals: Vec<Option<Vec<S>>> = (0..self.nodes.len()).map(|_| None).collect();
        for (k, node) in self.nodes.iter().enumerate() {
            if self.shared(ni + k).is_some() {
                continue;
            }
            let mut y = self.take_dirty(lens[ni + k]);
            {
                let mut args: Vec<&[S]> = Vec::with_capacity(node.args.len());
                for &a in &node.args {
                    args.push(if a < ni {
                        inputs[a]
                    } else {
                        self.shared(a)
                            .or(vals[a - ni].as_deref())
                            .expect("slot freed early")
                    });
                }
                node.op.eval(&args, &mut y);
            }
            vals[k] = Some(y);
            self.release_dead(k, &mut vals);
        }
        self.finish_slots(vals)
    }

    /// Returns to the pool the node slots whose last reader is node `k`
    /// (in a forward pass over node slots `slots[j]` = slot `n_inputs + j`).
    fn release_dead(&self, k: usize, slots: &mut [Option<Vec<S>>]) {
        let ni = self.n_inputs;
        for &a in &self.nodes[k].args {
            if a >= ni
                && self.last_use[a] == k
                && a != self.output
                && let Some(v) = slots[a - ni].take()
            {
                self.give(v);
            }
        }
    }

    /// Takes the output slot and returns every other buffer to the pool.
    fn finish_slots(&self, mut slots: Vec<Option<Vec<S>>>) -> Vec<S> {
        let out = slots[self.output - self.n_inputs]
            .take()
            .expect("output slot");
        for v in slots.into_iter().flatten() {
            self.give(v);
        }
        out
    }

    /// The value and everything the derivative needs.
    pub(crate) fn linearize(self: &Arc<Self>, inputs: &[&[S]]) -> Tape<S> {
        S::program_linearize(self, inputs)
    }

    /// [`linearize`](Self::linearize) itself.
    pub(crate) fn linearize_here(self: &Arc<Self>, inputs: &[&[S]]) -> Tape<S> {
        let lens = self.lengths_or_panic(&inputs.iter().map(|x| x.len()).collect::<Vec<_>>());
        if let Some((value, grads)) = self.value_grad_tiled(inputs, &lens) {
            return Tape {
                prog: self.clone(),
                kind: TapeKind::Gradient {
                    value: vec![value],
                    grads,
                },
            };
        }
        let ni = self.n_inputs;
        let mut vals: Vec<Vec<S>> = Vec::with_capacity(lens.len());
        for x in inputs {
            let mut v = self.take_dirty(x.len());
            v.copy_from_slice(x);
            vals.push(v);
        }
        let mut saved: Vec<Vec<S>> = Vec::with_capacity(self.nodes.len());
        for (k, node) in self.nodes.iter().enumerate() {
            if self.shared(ni + k).is_some() {
                vals.push(Vec::new());
                saved.push(Vec::new());
                continue;
            }
            let mut y = self.take_dirty(lens[ni + k]);
            let mut s = if self.active[ni + k] {
                let arg_lens: Vec<usize> = node.args.iter().map(|&a| lens[a]).collect();
                self.take_dirty(node.op.saved_len(&arg_lens, lens[ni + k]))
            } else {
                Vec::new()
            };
            {
                let args: Vec<&[S]> = node.args.iter().map(|&a| self.read(&vals, a)).collect();
                if self.active[ni + k] {
                    node.op.linearize(&args, &mut y, &mut s);
                } else {
                    node.op.eval(&args, &mut y);
                }
            }
            vals.push(y);
            saved.push(s);
        }
        Tape {
            prog: self.clone(),
            kind: TapeKind::Whole { vals, saved },
        }
    }
}

/// Why [`Program::try_lengths`] failed.
struct LengthFailure {
    /// The node whose primitive rejected its argument lengths.
    node: Option<usize>,
    /// The lengths of the slots before that node.
    lens: Vec<usize>,
    error: Error,
}

/// Input lengths that could make a primitive that found `expected` and
/// `found` agree: the difference added either way, the ratio either way
/// (strides), and their neighbours (rounding). Each is verified by the
/// caller; this only proposes.
fn candidate_lengths(n: usize, expected: usize, found: usize) -> Vec<usize> {
    let (n, e, f) = (n as i128, expected as i128, found as i128);
    let mut c = vec![n + e - f, n + f - e];
    for (num, den) in [(e, f), (f, e)] {
        if den > 0 {
            let r = n * num / den;
            c.extend([r, r - 1, r + 1]);
        }
    }
    let mut out: Vec<usize> = Vec::new();
    for v in c {
        if let Ok(v) = usize::try_from(v)
            && v as i128 != n
            && !out.contains(&v)
        {
            out.push(v);
        }
    }
    out
}

/// One linearisation of a program.
pub struct Tape<S: Real> {
    prog: Arc<Program<S>>,
    kind: TapeKind<S>,
}

/// What a linearisation keeps.
enum TapeKind<S> {
    /// Every slot's value and saved data (the whole-vector engine).
    Whole {
        vals: Vec<Vec<S>>,
        saved: Vec<Vec<S>>,
    },
    /// A scalar output's value and gradient (the tiled engine computes
    /// both in its pass, so the linear map is the gradient itself:
    /// `apply` is a dot product, `transpose` a scaling).
    Gradient { value: Vec<S>, grads: Vec<Vec<S>> },
}

impl<S: Real> Drop for Tape<S> {
    fn drop(&mut self) {
        let bufs = match &mut self.kind {
            TapeKind::Whole { vals, saved } => vals.drain(..).chain(saved.drain(..)).collect(),
            TapeKind::Gradient { grads, .. } => std::mem::take(grads),
        };
        for v in bufs {
            self.prog.give(v);
        }
    }
}

impl<S: Real> Tape<S> {
    pub(crate) fn output(&self) -> &[S] {
        match &self.kind {
            TapeKind::Whole { vals, .. } => &vals[self.prog.output],
            TapeKind::Gradient { value, .. } => value,
        }
    }

    /// The gradient of a scalar output, when the tiled engine computed it
    /// (the whole tape then is that gradient).
    pub(crate) fn gradient(&self) -> Option<&[Vec<S>]> {
        match &self.kind {
            TapeKind::Gradient { grads, .. } => Some(grads),
            TapeKind::Whole { .. } => None,
        }
    }

    fn vals(&self) -> &[Vec<S>] {
        match &self.kind {
            TapeKind::Whole { vals, .. } => vals,
            TapeKind::Gradient { .. } => &[],
        }
    }

    fn ctx(&self, k: usize) -> (Vec<&[S]>, &[S], &[S]) {
        let TapeKind::Whole { vals, saved } = &self.kind else {
            unreachable!("a gradient tape has no nodes to sweep")
        };
        let node = &self.prog.nodes[k];
        let args = node.args.iter().map(|&a| self.prog.read(vals, a)).collect();
        (args, &vals[self.prog.n_inputs + k], saved[k].as_slice())
    }

    /// Tangent sweep: `J dx` for input tangents `dx`.
    pub(crate) fn apply(&self, dx: &[&[S]]) -> Vec<S> {
        S::tape_apply(self, dx)
    }

    /// [`apply`](Self::apply) itself.
    pub(crate) fn apply_here(&self, dx: &[&[S]]) -> Vec<S> {
        if let TapeKind::Gradient { grads, .. } = &self.kind {
            let mut dy = S::zero();
            for (g, d) in grads.iter().zip(dx) {
                dy += crate::primitives::reduce::dot(g, d);
            }
            return vec![dy];
        }
        let p = &*self.prog;
        let ni = p.n_inputs;
        let out_len = self.vals()[p.output].len();
        if !p.active[p.output] {
            return vec![S::zero(); out_len];
        }
        if p.output < ni {
            return dx[p.output].to_vec();
        }
        let mut tan: Vec<Option<Vec<S>>> = (0..p.nodes.len()).map(|_| None).collect();
        for (k, node) in p.nodes.iter().enumerate() {
            if !p.active[ni + k] {
                continue;
            }
            let mut dy = p.take(self.vals()[ni + k].len());
            {
                let (args, output, saved) = self.ctx(k);
                let ctx = Ctx {
                    inputs: &args,
                    output,
                    saved,
                };
                for (i, &a) in node.args.iter().enumerate() {
                    if !p.active[a] {
                        continue;
                    }
                    let t = if a < ni {
                        dx[a]
                    } else {
                        tan[a - ni].as_deref().expect("tangent freed early")
                    };
                    node.op.jvp_add(i, &ctx, t, &mut dy);
                }
            }
            tan[k] = Some(dy);
            p.release_dead(k, &mut tan);
        }
        p.finish_slots(tan)
    }

    /// Cotangent sweep: `dx += Jᵀ dy`.
    pub(crate) fn transpose_add(&self, dy: &[S], dx: &mut [&mut [S]]) {
        S::tape_transpose_add(self, dy, dx)
    }

    /// [`transpose_add`](Self::transpose_add) itself.
    pub(crate) fn transpose_add_here(&self, dy: &[S], dx: &mut [&mut [S]]) {
        if let TapeKind::Gradient { grads, .. } = &self.kind {
            for (g, d) in grads.iter().zip(dx.iter_mut()) {
                for (d, &g) in d.iter_mut().zip(g) {
                    *d += dy[0] * g;
                }
            }
            return;
        }
        let p = &*self.prog;
        let ni = p.n_inputs;
        if !p.active[p.output] {
            return;
        }
        if p.output < ni {
            for (a, b) in dx[p.output].iter_mut().zip(dy) {
                *a += *b;
            }
            return;
        }
        let mut cot: Vec<Option<Vec<S>>> = (0..p.nodes.len()).map(|_| None).collect();
        let mut seed = p.take_dirty(dy.len());
        seed.copy_from_slice(dy);
        cot[p.output - ni] = Some(seed);
        for k in (0..p.nodes.len()).rev() {
            let Some(dyk) = cot[k].take() else { continue };
            let node = &p.nodes[k];
            {
                let (args, output, saved) = self.ctx(k);
                let ctx = Ctx {
                    inputs: &args,
                    output,
                    saved,
                };
                for (i, &a) in node.args.iter().enumerate() {
                    if !p.active[a] {
                        continue;
                    }
                    if a < ni {
                        node.op.vjp_add(i, &ctx, &dyk, dx[a]);
                    } else {
                        match &mut cot[a - ni] {
                            Some(slot) => node.op.vjp_add(i, &ctx, &dyk, slot),
                            slot @ None => {
                                // The first contribution overwrites a dirty
                                // buffer: no clearing pass for primitives
                                // that write every entry.
                                let mut buf = p.take_dirty(self.vals()[a].len());
                                node.op.vjp_set(i, &ctx, &dyk, &mut buf);
                                *slot = Some(buf);
                            }
                        }
                    }
                }
            }
            p.give(dyk);
        }
    }
}

/// The derivative of a compiled expression at a point, as a [`LinearMap`]
/// from the input space `A` to the output space `B`.
pub struct GraphLin<A: Space, B: Space> {
    tape: Arc<Tape<A::Scalar>>,
    dom: A::Shape,
    cod: B::Shape,
    _p: PhantomData<fn(A) -> B>,
}

impl<A: Space, B: Space> Clone for GraphLin<A, B> {
    fn clone(&self) -> Self {
        GraphLin {
            tape: self.tape.clone(),
            dom: self.dom.clone(),
            cod: self.cod.clone(),
            _p: PhantomData,
        }
    }
}

impl<A, B> GraphLin<A, B>
where
    A: Inputs,
    B: Output<Scalar = A::Scalar>,
{
    pub(crate) fn new(tape: Tape<A::Scalar>, x: &A) -> (B, Self) {
        let y = B::from_slot(tape.output());
        let cod = y.shape();
        (
            y,
            GraphLin {
                tape: Arc::new(tape),
                dom: x.shape(),
                cod,
                _p: PhantomData,
            },
        )
    }
}

impl<A, B> LinearMap<A, B> for GraphLin<A, B>
where
    A: Inputs,
    B: Output<Scalar = A::Scalar>,
{
    #[track_caller]
    fn apply(&self, dx: &A) -> B {
        expect_shape::<A>("compiled lens (tangent)", &self.dom, &dx.shape());
        B::from_slot(&self.tape.apply(&dx.slices()))
    }
    #[track_caller]
    fn transpose_add(&self, dy: &B, dx: &mut A) {
        expect_shape::<B>("compiled lens (cotangent)", &self.cod, &dy.shape());
        expect_shape::<A>(
            "compiled lens (gradient accumulator)",
            &self.dom,
            &dx.shape(),
        );
        self.tape.transpose_add(dy.slot(), &mut dx.slices_mut());
    }
    /// A gradient tape's transpose is one scaled copy of the gradient, not
    /// zeros plus an accumulation (two more n-long passes).
    #[track_caller]
    fn transpose(&self, dy: &B) -> A {
        expect_shape::<B>("compiled lens (cotangent)", &self.cod, &dy.shape());
        match self.tape.gradient() {
            Some(grads) => {
                let s = dy.slot()[0];
                A::from_slots(
                    &self.dom,
                    &mut grads.iter().map(|g| g.iter().map(|&v| s * v).collect()),
                )
            }
            None => {
                let mut dx = A::zeros_of(&self.dom);
                self.tape.transpose_add(dy.slot(), &mut dx.slices_mut());
                dx
            }
        }
    }
    fn dom_shape(&self) -> A::Shape {
        self.dom.clone()
    }
    fn cod_shape(&self) -> B::Shape {
        self.cod.clone()
    }
}
