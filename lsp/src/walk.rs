//! Walking the syntax tree: the nodes around a position, their children,
//! and the names in scope there.
//!
//! The language server never evaluates: everything it knows comes from the
//! tree of [`kcfg_lang::ast`] (recovered where the text does not parse) and
//! the analyzer's use→definition table. A position is found by descending
//! from the root into the child whose span holds it ([`path_at`]); spans
//! are the parser's (byte offsets, a node from its first token to the end
//! of its last sub-expression).

use kcfg_lang::ast::{
    Arg, AssertClause, Bind, CompSpec, Expr, ExprKind, Field, FieldName, Ident, Member, Param,
};
use kcfg_lang::span::Span;

/// A node a position can be in.
#[derive(Clone, Copy, Debug)]
pub enum Node<'a> {
    /// An expression.
    Expr(&'a Expr),
    /// An object's field.
    Field(&'a Field),
    /// A `local` binding (of an expression or an object).
    Bind(&'a Bind),
    /// A function's parameter.
    Param(&'a Param),
    /// An `assert` (of an expression or an object).
    Assert(&'a AssertClause),
    /// A comprehension's `for` or `if`.
    Spec(&'a CompSpec),
    /// A call's argument.
    Arg(&'a Arg),
}

impl<'a> Node<'a> {
    /// The node's span.
    pub fn span(self) -> Span {
        match self {
            Node::Expr(expr) => expr.span,
            Node::Field(field) => field.span,
            Node::Bind(bind) => bind.span,
            Node::Param(param) => match &param.default {
                Some(default) => param.name.span.to(default.span),
                None => param.name.span,
            },
            Node::Assert(assert) => assert.span,
            Node::Spec(CompSpec::For { span, .. } | CompSpec::If { span, .. }) => *span,
            Node::Arg(arg) => match arg.name {
                Some(name) => name.span.to(arg.value.span),
                None => arg.value.span,
            },
        }
    }

    /// The expression, if the node is one.
    pub fn expr(self) -> Option<&'a Expr> {
        match self {
            Node::Expr(expr) => Some(expr),
            _ => None,
        }
    }
}

/// The children of `node`, in source order.
pub fn children<'a>(node: Node<'a>, out: &mut Vec<Node<'a>>) {
    let mut expr = |expr: &'a Expr| out.push(Node::Expr(expr));
    match node {
        Node::Expr(e) => expr_children(e, out),
        Node::Field(field) => {
            if let FieldName::Computed(name) = &field.name {
                expr(name);
            }
            if let Some(params) = &field.params {
                out.extend(params.iter().map(Node::Param));
            }
            out.push(Node::Expr(&field.value));
        }
        Node::Bind(bind) => {
            if let Some(params) = &bind.params {
                out.extend(params.iter().map(Node::Param));
            }
            out.push(Node::Expr(&bind.value));
        }
        Node::Param(param) => {
            if let Some(default) = &param.default {
                expr(default);
            }
        }
        Node::Assert(assert) => {
            expr(&assert.cond);
            if let Some(message) = &assert.message {
                out.push(Node::Expr(message));
            }
        }
        Node::Spec(CompSpec::For { iter, .. }) => expr(iter),
        Node::Spec(CompSpec::If { cond, .. }) => expr(cond),
        Node::Arg(arg) => expr(&arg.value),
    }
}

fn members<'a>(members: &'a [Member], out: &mut Vec<Node<'a>>) {
    for member in members {
        out.push(match member {
            Member::Local(bind) => Node::Bind(bind),
            Member::Assert(assert) => Node::Assert(assert),
            Member::Field(field) => Node::Field(field),
        });
    }
}

fn expr_children<'a>(e: &'a Expr, out: &mut Vec<Node<'a>>) {
    let mut push = |expr: &'a Expr| out.push(Node::Expr(expr));
    match &e.kind {
        ExprKind::Array { elems, .. } => elems.iter().for_each(push),
        ExprKind::ArrayComp { body, specs, .. } => {
            push(body);
            out.extend(specs.iter().map(Node::Spec));
        }
        ExprKind::Object { members: list, .. } => members(list, out),
        ExprKind::ObjectComp {
            members: list,
            specs,
            ..
        } => {
            members(list, out);
            out.extend(specs.iter().map(Node::Spec));
        }
        ExprKind::Field { target, .. } => push(target),
        ExprKind::Index { target, index } => {
            push(target);
            out.push(Node::Expr(index));
        }
        ExprKind::Slice {
            target,
            start,
            end,
            step,
        } => {
            push(target);
            for part in [start, end, step].into_iter().flatten() {
                out.push(Node::Expr(part));
            }
        }
        ExprKind::SuperIndex { index } => push(index),
        ExprKind::InSuper { key } => push(key),
        ExprKind::Apply { target, args, .. } => {
            push(target);
            out.extend(args.iter().map(Node::Arg));
        }
        ExprKind::ApplyBrace { target, object } => {
            push(target);
            out.push(Node::Expr(object));
        }
        ExprKind::Binary { lhs, rhs, .. } => {
            push(lhs);
            out.push(Node::Expr(rhs));
        }
        ExprKind::Unary { expr, .. } => push(expr),
        ExprKind::If {
            cond,
            then,
            otherwise,
        } => {
            push(cond);
            out.push(Node::Expr(then));
            if let Some(otherwise) = otherwise {
                out.push(Node::Expr(otherwise));
            }
        }
        ExprKind::Function { params, body } => {
            out.extend(params.iter().map(Node::Param));
            out.push(Node::Expr(body));
        }
        ExprKind::Local { binds, body } => {
            out.extend(binds.iter().map(Node::Bind));
            out.push(Node::Expr(body));
        }
        ExprKind::Assert { assert, rest } => {
            out.push(Node::Assert(assert));
            out.push(Node::Expr(rest));
        }
        ExprKind::Error { message } => push(message),
        ExprKind::Parens(inner) => push(inner),
        ExprKind::Null
        | ExprKind::True
        | ExprKind::False
        | ExprKind::SelfValue
        | ExprKind::Dollar
        | ExprKind::Num(_)
        | ExprKind::Str { .. }
        | ExprKind::Var(_)
        | ExprKind::SuperField { .. }
        | ExprKind::Import { .. }
        | ExprKind::Missing => {}
    }
}

/// The nodes that hold `offset`, from the root to the innermost. A node
/// holds the offsets from its start to its end inclusive (a cursor right
/// after a name is on it); where two children touch, the one that starts
/// at `offset` wins.
pub fn path_at(root: &Expr, offset: u32) -> Vec<Node<'_>> {
    let mut path = vec![Node::Expr(root)];
    let mut kids = Vec::new();
    while let Some(&last) = path.last() {
        kids.clear();
        children(last, &mut kids);
        let inside = kids.iter().copied().find(|kid| {
            let span = kid.span();
            span.start <= offset && offset < span.end
        });
        let touching = || {
            kids.iter()
                .copied()
                .rev()
                .find(|kid| kid.span().end == offset && kid.span().start <= offset)
        };
        match inside.or_else(touching) {
            Some(kid) => path.push(kid),
            None => break,
        }
        if path.len() > 10_000 {
            break;
        }
    }
    path
}

/// Calls `f` on every node under `root`, parents first.
pub fn for_each<'a>(root: &'a Expr, f: &mut impl FnMut(Node<'a>)) {
    let mut stack = vec![Node::Expr(root)];
    let mut kids = Vec::new();
    while let Some(node) = stack.pop() {
        f(node);
        kids.clear();
        children(node, &mut kids);
        stack.extend(kids.iter().rev().copied());
    }
}

/// What binds a name.
#[derive(Clone, Copy, Debug)]
pub enum Binding<'a> {
    /// A `local`.
    Local(&'a Bind),
    /// A function parameter.
    Param(&'a Param),
    /// A comprehension's `for` variable.
    ForVar(&'a Ident),
}

impl<'a> Binding<'a> {
    /// The binding's name.
    pub fn ident(self) -> &'a Ident {
        match self {
            Binding::Local(bind) => &bind.name,
            Binding::Param(param) => &param.name,
            Binding::ForVar(var) => var,
        }
    }
}

/// The bindings `node` makes visible to its children.
fn bindings_of<'a>(node: Node<'a>, out: &mut Vec<Binding<'a>>) {
    let params = |params: &'a Option<Vec<Param>>, out: &mut Vec<Binding<'a>>| {
        if let Some(params) = params {
            out.extend(params.iter().map(Binding::Param));
        }
    };
    let specs = |specs: &'a [CompSpec], out: &mut Vec<Binding<'a>>| {
        for spec in specs {
            if let CompSpec::For { var, .. } = spec {
                out.push(Binding::ForVar(var));
            }
        }
    };
    let locals = |list: &'a [Member], out: &mut Vec<Binding<'a>>| {
        for member in list {
            if let Member::Local(bind) = member {
                out.push(Binding::Local(bind));
            }
        }
    };
    match node {
        Node::Expr(expr) => match &expr.kind {
            ExprKind::Local { binds, .. } => out.extend(binds.iter().map(Binding::Local)),
            ExprKind::Function { params, .. } => out.extend(params.iter().map(Binding::Param)),
            ExprKind::Object { members, .. } => locals(members, out),
            ExprKind::ObjectComp {
                members,
                specs: list,
                ..
            } => {
                locals(members, out);
                specs(list, out);
            }
            ExprKind::ArrayComp { specs: list, .. } => specs(list, out),
            _ => {}
        },
        Node::Field(field) => params(&field.params, out),
        Node::Bind(bind) => params(&bind.params, out),
        _ => {}
    }
}

/// The names visible at the end of `path`, innermost last (a later one
/// with the same name shadows an earlier one). Names recovery left empty
/// are skipped.
pub fn scope<'a>(path: &[Node<'a>]) -> Vec<Binding<'a>> {
    let mut visible = Vec::new();
    for (depth, &node) in path.iter().enumerate() {
        // A node's own bindings are visible in its children only.
        if depth + 1 < path.len() {
            bindings_of(node, &mut visible);
        }
    }
    visible.retain(|binding| !binding.ident().name.as_str().is_empty());
    visible
}

/// The binding whose name is at `def` (from the analyzer's table).
pub fn binding_at(root: &Expr, def: Span) -> Option<Binding<'_>> {
    let path = path_at(root, def.start);
    let mut found = None;
    for (depth, &node) in path.iter().enumerate() {
        let mut here = Vec::new();
        bindings_of(node, &mut here);
        if let Node::Bind(bind) = node {
            here.push(Binding::Local(bind));
        }
        if let Some(&Node::Param(param)) = path.get(depth + 1) {
            here.push(Binding::Param(param));
        }
        if let Some(binding) = here.into_iter().find(|b| b.ident().span == def) {
            found = Some(binding);
        }
    }
    found
}

/// Whether the path is inside an object (where `self` and `super` mean
/// something).
pub fn in_object(path: &[Node<'_>]) -> bool {
    path.iter().any(|node| {
        matches!(
            node.expr().map(|e| &e.kind),
            Some(ExprKind::Object { .. } | ExprKind::ObjectComp { .. })
        )
    })
}

/// The name of a field as written, unless it is computed.
pub fn field_name(field: &Field) -> Option<(&str, Span)> {
    match &field.name {
        FieldName::Ident(ident) => Some((ident.name.as_str(), ident.span)),
        FieldName::Str { value, span, .. } => Some((value.as_str(), *span)),
        FieldName::Computed(_) => None,
    }
}

/// The fields of an object literal, in order.
pub fn fields(object: &Expr) -> impl Iterator<Item = &Field> {
    let members: &[Member] = match &object.kind {
        ExprKind::Object { members, .. } | ExprKind::ObjectComp { members, .. } => members,
        _ => &[],
    };
    members.iter().filter_map(|member| match member {
        Member::Field(field) => Some(field),
        _ => None,
    })
}

/// The expression with exactly `span` whose kind `want` accepts, the
/// outermost if several.
pub fn find_expr(root: &Expr, span: Span, want: impl Fn(&ExprKind) -> bool) -> Option<&Expr> {
    let path = path_at(root, span.start);
    path.iter()
        .filter_map(|node| node.expr())
        .find(|expr| expr.span == span && want(&expr.kind))
}
