//! The formatter's tree: the reference formatter's AST (google/jsonnet
//! `core/ast.h`), with the fodder before every token in the place the
//! reference keeps it, built from a parsed file's tree and tokens.
//!
//! The passes rewrite this tree freely (`a + {}` becomes `a {}`, `["x"]:`
//! becomes `x:`, imports are reordered, fodder moves between tokens), so it
//! is the formatter's own, separate from [`crate::ast`], which the evaluator
//! reads. Each node's `open` is the fodder before its first token; nodes
//! whose first token belongs to a sub-expression (`a + b`, `f(x)`, `a.b`,
//! `a {}`, `k in super`) have empty `open`, and the fodder is in the
//! sub-expression's (see [`open_fodder`]).

use crate::ast::{self, BinaryOp, ExprKind, ImportKind, Member, UnaryOp, Visibility};
use crate::syntax::fodder::{self, Fodder};
use crate::syntax::{Token, TokenKind};

/// An expression and the fodder before its first token.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) open: Fodder,
    pub(crate) kind: Kind,
}

/// The kinds of expression, as the reference formatter sees them.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Apply(Box<Apply>),
    ApplyBrace {
        left: Box<Node>,
        right: Box<Node>,
    },
    Array {
        elems: Vec<Elem>,
        trailing_comma: bool,
        close: Fodder,
    },
    ArrayComp {
        body: Box<Node>,
        comma: Fodder,
        trailing_comma: bool,
        specs: Vec<Spec>,
        close: Fodder,
    },
    Assert {
        cond: Box<Node>,
        colon: Fodder,
        message: Option<Box<Node>>,
        semicolon: Fodder,
        rest: Box<Node>,
    },
    Binary {
        left: Box<Node>,
        op_fodder: Fodder,
        op: BinaryOp,
        right: Box<Node>,
    },
    Conditional {
        cond: Box<Node>,
        then_fodder: Fodder,
        then: Box<Node>,
        else_fodder: Fodder,
        otherwise: Option<Box<Node>>,
    },
    Dollar,
    Error(Box<Node>),
    Function {
        params: Params,
        body: Box<Node>,
    },
    Import {
        kind: ImportKind,
        file: Box<Node>,
    },
    InSuper {
        element: Box<Node>,
        in_fodder: Fodder,
        super_fodder: Fodder,
    },
    Index(Box<Index>),
    Local {
        binds: Vec<Bind>,
        body: Box<Node>,
    },
    True,
    False,
    Null,
    SelfValue,
    /// The number as the reference keeps it: as written, without `_`.
    Num(String),
    Str(Str),
    Object {
        fields: Vec<ObjField>,
        trailing_comma: bool,
        close: Fodder,
    },
    ObjectComp {
        fields: Vec<ObjField>,
        trailing_comma: bool,
        specs: Vec<Spec>,
        close: Fodder,
    },
    Parens {
        expr: Box<Node>,
        close: Fodder,
    },
    SuperIndex {
        dot_fodder: Fodder,
        /// `super.id`, or else `super[index]`.
        id: Option<String>,
        index: Option<Box<Node>>,
        /// Before the id, or before `]`.
        id_fodder: Fodder,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Node>,
    },
    Var(String),
}

/// `target(args)`.
#[derive(Debug, Clone)]
pub(crate) struct Apply {
    pub(crate) target: Node,
    pub(crate) fodder_l: Fodder,
    pub(crate) args: Vec<Arg>,
    pub(crate) trailing_comma: bool,
    pub(crate) fodder_r: Fodder,
    pub(crate) tailstrict: Option<Fodder>,
}

/// A call argument; `eq_fodder` is kept but, as in the reference, not printed.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    pub(crate) id_fodder: Fodder,
    pub(crate) id: Option<String>,
    pub(crate) expr: Node,
    pub(crate) comma_fodder: Fodder,
}

/// An array element and the fodder before the comma after it.
#[derive(Debug, Clone)]
pub(crate) struct Elem {
    pub(crate) expr: Node,
    pub(crate) comma_fodder: Fodder,
}

/// `target.id`, `target[index]` or `target[index:end:step]`.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    pub(crate) target: Node,
    /// Before `.` or `[`.
    pub(crate) dot_fodder: Fodder,
    pub(crate) is_slice: bool,
    pub(crate) index: Option<Node>,
    pub(crate) end_colon: Fodder,
    pub(crate) end: Option<Node>,
    pub(crate) step_colon: Fodder,
    pub(crate) step: Option<Node>,
    /// Before the id, or before `]`.
    pub(crate) id_fodder: Fodder,
    pub(crate) id: Option<String>,
}

/// A parenthesised parameter list.
#[derive(Debug, Clone)]
pub(crate) struct Params {
    pub(crate) fodder_l: Fodder,
    pub(crate) params: Vec<Param>,
    pub(crate) trailing_comma: bool,
    pub(crate) fodder_r: Fodder,
}

/// A parameter, with its default value if any.
#[derive(Debug, Clone)]
pub(crate) struct Param {
    pub(crate) id_fodder: Fodder,
    pub(crate) id: String,
    pub(crate) eq_fodder: Fodder,
    pub(crate) default: Option<Node>,
    pub(crate) comma_fodder: Fodder,
}

/// A bind of a `local` expression; `close_fodder` is before `,` or `;`.
#[derive(Debug, Clone)]
pub(crate) struct Bind {
    pub(crate) var_fodder: Fodder,
    pub(crate) var: String,
    pub(crate) params: Option<Params>,
    pub(crate) op_fodder: Fodder,
    pub(crate) body: Node,
    pub(crate) close_fodder: Fodder,
}

/// A `for x in e` or `if c` clause; `open` is before the keyword.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) open: Fodder,
    /// The loop variable of a `for`; `None` for an `if`.
    pub(crate) var: Option<String>,
    pub(crate) var_fodder: Fodder,
    pub(crate) in_fodder: Fodder,
    pub(crate) expr: Node,
}

/// The five ways to write a string literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrKind {
    Double,
    Single,
    Block,
    VerbatimDouble,
    VerbatimSingle,
}

/// A string literal as the reference's lexer keeps it: quoted strings
/// with their escapes as written, text blocks without their indentation,
/// verbatim strings with doubled quotes undone.
#[derive(Debug, Clone)]
pub(crate) struct Str {
    pub(crate) value: String,
    pub(crate) kind: StrKind,
    pub(crate) block_indent: String,
    pub(crate) block_term_indent: String,
}

/// What an object member is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldKind {
    /// `local id = expr2`
    Local,
    /// `id: expr2`
    Id,
    /// `"s": expr2`, the string in `expr1`.
    Str,
    /// `[expr1]: expr2`
    Expr,
    /// `assert expr2 : expr3`
    Assert,
}

/// A member of an object, in the reference's one-struct shape.
#[derive(Debug, Clone)]
pub(crate) struct ObjField {
    pub(crate) kind: FieldKind,
    pub(crate) hide: Visibility,
    pub(crate) super_sugar: bool,
    /// Before the first token (`local`, the id, `[`, `assert`); for a
    /// string name the fodder is the string's.
    pub(crate) fodder1: Fodder,
    /// Before `]` of a computed name, or before the id of a local.
    pub(crate) fodder2: Fodder,
    /// Method sugar `f(x): …`.
    pub(crate) params: Option<Params>,
    /// Before `:`, `::`, `:::`, `=` (locals) or `:` (assert messages).
    pub(crate) op_fodder: Fodder,
    pub(crate) id: String,
    pub(crate) expr1: Option<Node>,
    pub(crate) expr2: Option<Node>,
    pub(crate) expr3: Option<Node>,
    pub(crate) comma_fodder: Fodder,
}

impl Node {
    pub(crate) fn new(kind: Kind) -> Node {
        Node {
            open: Fodder::new(),
            kind,
        }
    }

    /// The node's left operand if it starts with one (the reference's
    /// `left_recursive`).
    pub(crate) fn left_recursive(&self) -> Option<&Node> {
        match &self.kind {
            Kind::Apply(apply) => Some(&apply.target),
            Kind::ApplyBrace { left, .. } => Some(left),
            Kind::Binary { left, .. } => Some(left),
            Kind::Index(index) => Some(&index.target),
            Kind::InSuper { element, .. } => Some(element),
            _ => None,
        }
    }

    fn left_recursive_mut(&mut self) -> Option<&mut Node> {
        match &mut self.kind {
            Kind::Apply(apply) => Some(&mut apply.target),
            Kind::ApplyBrace { left, .. } => Some(left),
            Kind::Binary { left, .. } => Some(left),
            Kind::Index(index) => Some(&mut index.target),
            Kind::InSuper { element, .. } => Some(element),
            _ => None,
        }
    }

    /// The node its first token belongs to (`left_recursive_deep`).
    pub(crate) fn leftmost(&self) -> &Node {
        let mut node = self;
        while let Some(left) = node.left_recursive() {
            node = left;
        }
        node
    }
}

/// The fodder before the node's first token (the reference's `open_fodder`).
pub(crate) fn open_fodder(node: &Node) -> &Fodder {
    &node.leftmost().open
}

/// As [`open_fodder`], to change it.
pub(crate) fn open_fodder_mut(node: &mut Node) -> &mut Fodder {
    let mut node = node;
    while node.left_recursive().is_some() {
        node = node.left_recursive_mut().expect("checked above");
    }
    &mut node.open
}

/// Trees can be as deep as the parser allows and then some (`1 + 1 + …`
/// nests without limit), and dropping recurses: free them with the stack
/// guard the syntax tree uses.
impl Drop for Node {
    fn drop(&mut self) {
        if matches!(
            self.kind,
            Kind::Null
                | Kind::True
                | Kind::False
                | Kind::SelfValue
                | Kind::Dollar
                | Kind::Num(_)
                | Kind::Str(_)
                | Kind::Var(_)
        ) {
            return;
        }
        crate::stack::drop_deep(&mut self.kind, Kind::Null);
    }
}

/// Builds the formatter's tree of a parsed file from its syntax tree and
/// tokens: walks the tree in source order and takes each token in turn,
/// with the fodder before it. Returns the tree and the fodder after the
/// last token.
pub(crate) fn build(src: &str, tree: &ast::SourceTree) -> (Node, Fodder) {
    let mut builder = Builder {
        src,
        tokens: &tree.tokens,
        next: 0,
        prev_end: 0,
    };
    let node = builder.expr(&tree.expr);
    let final_fodder = fodder::read(src, builder.prev_end, src.len(), builder.next == 0, true);
    (node, final_fodder)
}

struct Builder<'a> {
    src: &'a str,
    tokens: &'a [Token],
    next: usize,
    prev_end: usize,
}

impl<'a> Builder<'a> {
    /// The next token and the fodder before it.
    fn take(&mut self) -> (Fodder, Token) {
        let token = self.tokens[self.next];
        let fodder = fodder::read(
            self.src,
            self.prev_end,
            token.start as usize,
            self.next == 0,
            false,
        );
        self.next += 1;
        self.prev_end = token.end as usize;
        (fodder, token)
    }

    fn fodder(&mut self) -> Fodder {
        self.take().0
    }

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.next).copied()
    }

    fn peek_is(&self, kind: TokenKind) -> bool {
        self.peek().is_some_and(|token| token.kind == kind)
    }

    fn text(&self, token: Token) -> &'a str {
        &self.src[token.start as usize..token.end as usize]
    }

    /// The fodder before a comma if one comes next, and whether it did.
    fn maybe_comma(&mut self) -> (Fodder, bool) {
        if self.peek_is(TokenKind::Comma) {
            (self.fodder(), true)
        } else {
            (Fodder::new(), false)
        }
    }

    fn leaf(&mut self, kind: Kind) -> Node {
        Node {
            open: self.fodder(),
            kind,
        }
    }

    fn boxed(&mut self, expr: &ast::Expr) -> Box<Node> {
        Box::new(self.expr(expr))
    }

    fn expr(&mut self, expr: &ast::Expr) -> Node {
        super::deeper(
            || self.expr_at(expr),
            || Node {
                open: Fodder::new(),
                kind: Kind::Null,
            },
        )
    }

    fn expr_at(&mut self, expr: &ast::Expr) -> Node {
        match &expr.kind {
            ExprKind::Null => self.leaf(Kind::Null),
            // Only a recovering parse makes one, and the formatter formats
            // only trees that parsed; it has no token, so takes no fodder.
            ExprKind::Missing => Node {
                open: Fodder::new(),
                kind: Kind::Null,
            },
            ExprKind::True => self.leaf(Kind::True),
            ExprKind::False => self.leaf(Kind::False),
            ExprKind::SelfValue => self.leaf(Kind::SelfValue),
            ExprKind::Dollar => self.leaf(Kind::Dollar),
            ExprKind::Num(_) => {
                let (open, token) = self.take();
                let text = self.text(token).replace('_', "");
                Node {
                    open,
                    kind: Kind::Num(text),
                }
            }
            ExprKind::Str { .. } => self.string(),
            ExprKind::Var(_) => {
                let (open, token) = self.take();
                let name = self.text(token).to_string();
                Node {
                    open,
                    kind: Kind::Var(name),
                }
            }
            ExprKind::Array { elems, .. } => {
                let open = self.fodder();
                let mut out = Vec::with_capacity(elems.len());
                let mut trailing_comma = false;
                for elem in elems {
                    let expr = self.expr(elem);
                    let (comma_fodder, comma) = self.maybe_comma();
                    trailing_comma = comma;
                    out.push(Elem { expr, comma_fodder });
                }
                let close = self.fodder();
                Node {
                    open,
                    kind: Kind::Array {
                        elems: out,
                        trailing_comma,
                        close,
                    },
                }
            }
            ExprKind::ArrayComp { body, specs, .. } => {
                let open = self.fodder();
                let body = self.boxed(body);
                let (comma, trailing_comma) = self.maybe_comma();
                let specs = self.specs(specs);
                let close = self.fodder();
                Node {
                    open,
                    kind: Kind::ArrayComp {
                        body,
                        comma,
                        trailing_comma,
                        specs,
                        close,
                    },
                }
            }
            ExprKind::Object { members, .. } => {
                let open = self.fodder();
                let (fields, trailing_comma) = self.fields(members);
                let close = self.fodder();
                Node {
                    open,
                    kind: Kind::Object {
                        fields,
                        trailing_comma,
                        close,
                    },
                }
            }
            ExprKind::ObjectComp { members, specs, .. } => {
                let open = self.fodder();
                let (fields, trailing_comma) = self.fields(members);
                let specs = self.specs(specs);
                let close = self.fodder();
                Node {
                    open,
                    kind: Kind::ObjectComp {
                        fields,
                        trailing_comma,
                        specs,
                        close,
                    },
                }
            }
            ExprKind::Field { target, .. } => {
                let target = self.expr(target);
                let dot_fodder = self.fodder();
                let (id_fodder, token) = self.take();
                let id = Some(self.text(token).to_string());
                self.index(Index {
                    target,
                    dot_fodder,
                    is_slice: false,
                    index: None,
                    end_colon: Fodder::new(),
                    end: None,
                    step_colon: Fodder::new(),
                    step: None,
                    id_fodder,
                    id,
                })
            }
            ExprKind::Index { target, index } => {
                let target = self.expr(target);
                let dot_fodder = self.fodder();
                let index = Some(self.expr(index));
                let id_fodder = self.fodder();
                self.index(Index {
                    target,
                    dot_fodder,
                    is_slice: false,
                    index,
                    end_colon: Fodder::new(),
                    end: None,
                    step_colon: Fodder::new(),
                    step: None,
                    id_fodder,
                    id: None,
                })
            }
            ExprKind::Slice {
                target,
                start,
                end,
                step,
            } => {
                let target = self.expr(target);
                let dot_fodder = self.fodder();
                let index = start.as_deref().map(|start| self.expr(start));
                // `::` is one token: the end's colon, with no step colon.
                let joined = self.peek().is_some_and(|token| self.text(token) == "::");
                let end_colon = self.fodder();
                let (mut end_node, mut step_node, mut step_colon) = (None, None, Fodder::new());
                if !joined {
                    if let Some(end) = end {
                        end_node = Some(self.expr(end));
                    }
                    if !self.peek_is(TokenKind::BracketR) {
                        step_colon = self.fodder();
                    }
                }
                if let Some(step) = step {
                    step_node = Some(self.expr(step));
                }
                let id_fodder = self.fodder();
                self.index(Index {
                    target,
                    dot_fodder,
                    is_slice: true,
                    index,
                    end_colon,
                    end: end_node,
                    step_colon,
                    step: step_node,
                    id_fodder,
                    id: None,
                })
            }
            ExprKind::SuperField { .. } => {
                let open = self.fodder();
                let dot_fodder = self.fodder();
                let (id_fodder, token) = self.take();
                Node {
                    open,
                    kind: Kind::SuperIndex {
                        dot_fodder,
                        id: Some(self.text(token).to_string()),
                        index: None,
                        id_fodder,
                    },
                }
            }
            ExprKind::SuperIndex { index } => {
                let open = self.fodder();
                let dot_fodder = self.fodder();
                let index = Some(self.boxed(index));
                let id_fodder = self.fodder();
                Node {
                    open,
                    kind: Kind::SuperIndex {
                        dot_fodder,
                        id: None,
                        index,
                        id_fodder,
                    },
                }
            }
            ExprKind::InSuper { key } => {
                let element = self.boxed(key);
                let in_fodder = self.fodder();
                let super_fodder = self.fodder();
                Node::new(Kind::InSuper {
                    element,
                    in_fodder,
                    super_fodder,
                })
            }
            ExprKind::Apply {
                target,
                args,
                tailstrict,
                ..
            } => {
                let target = self.expr(target);
                let fodder_l = self.fodder();
                let mut out = Vec::with_capacity(args.len());
                let mut trailing_comma = false;
                for arg in args {
                    let (id_fodder, id) = match arg.name {
                        Some(_) => {
                            let (fodder, token) = self.take();
                            self.take(); // `=`
                            (fodder, Some(self.text(token).to_string()))
                        }
                        None => (Fodder::new(), None),
                    };
                    let expr = self.expr(&arg.value);
                    let (comma_fodder, comma) = self.maybe_comma();
                    trailing_comma = comma;
                    out.push(Arg {
                        id_fodder,
                        id,
                        expr,
                        comma_fodder,
                    });
                }
                let fodder_r = self.fodder();
                let tailstrict = tailstrict.then(|| self.fodder());
                Node::new(Kind::Apply(Box::new(Apply {
                    target,
                    fodder_l,
                    args: out,
                    trailing_comma,
                    fodder_r,
                    tailstrict,
                })))
            }
            ExprKind::ApplyBrace { target, object } => {
                let left = self.boxed(target);
                let right = self.boxed(object);
                Node::new(Kind::ApplyBrace { left, right })
            }
            ExprKind::Binary { op, lhs, rhs } => {
                let left = self.boxed(lhs);
                let op_fodder = self.fodder();
                let right = self.boxed(rhs);
                Node::new(Kind::Binary {
                    left,
                    op_fodder,
                    op: *op,
                    right,
                })
            }
            ExprKind::Unary { op, expr } => {
                let open = self.fodder();
                let expr = self.boxed(expr);
                Node {
                    open,
                    kind: Kind::Unary { op: *op, expr },
                }
            }
            ExprKind::If {
                cond,
                then,
                otherwise,
            } => {
                let open = self.fodder();
                let cond = self.boxed(cond);
                let then_fodder = self.fodder();
                let then = self.boxed(then);
                let (else_fodder, otherwise) = match otherwise {
                    Some(otherwise) => (self.fodder(), Some(self.boxed(otherwise))),
                    None => (Fodder::new(), None),
                };
                Node {
                    open,
                    kind: Kind::Conditional {
                        cond,
                        then_fodder,
                        then,
                        else_fodder,
                        otherwise,
                    },
                }
            }
            ExprKind::Function { params, body } => {
                let open = self.fodder();
                let params = self.params(params);
                let body = self.boxed(body);
                Node {
                    open,
                    kind: Kind::Function { params, body },
                }
            }
            ExprKind::Local { binds, body } => {
                let open = self.fodder();
                let binds = binds
                    .iter()
                    .map(|bind| {
                        let var_fodder = self.fodder();
                        let params = bind.params.as_ref().map(|params| self.params(params));
                        let op_fodder = self.fodder();
                        let body = self.expr(&bind.value);
                        let close_fodder = self.fodder();
                        Bind {
                            var_fodder,
                            var: bind.name.name.as_str().to_string(),
                            params,
                            op_fodder,
                            body,
                            close_fodder,
                        }
                    })
                    .collect();
                let body = self.boxed(body);
                Node {
                    open,
                    kind: Kind::Local { binds, body },
                }
            }
            ExprKind::Assert { assert, rest } => {
                let open = self.fodder();
                let cond = self.boxed(&assert.cond);
                let (colon, message) = match &assert.message {
                    Some(message) => (self.fodder(), Some(self.boxed(message))),
                    None => (Fodder::new(), None),
                };
                let semicolon = self.fodder();
                let rest = self.boxed(rest);
                Node {
                    open,
                    kind: Kind::Assert {
                        cond,
                        colon,
                        message,
                        semicolon,
                        rest,
                    },
                }
            }
            ExprKind::Error { message } => {
                let open = self.fodder();
                let message = self.boxed(message);
                Node {
                    open,
                    kind: Kind::Error(message),
                }
            }
            ExprKind::Import { kind, .. } => {
                let open = self.fodder();
                let file = Box::new(self.string());
                Node {
                    open,
                    kind: Kind::Import { kind: *kind, file },
                }
            }
            ExprKind::Parens(inner) => {
                let open = self.fodder();
                let expr = self.boxed(inner);
                let close = self.fodder();
                Node {
                    open,
                    kind: Kind::Parens { expr, close },
                }
            }
        }
    }

    fn index(&mut self, index: Index) -> Node {
        Node::new(Kind::Index(Box::new(index)))
    }

    /// A string literal token, kept as the reference's lexer keeps it.
    fn string(&mut self) -> Node {
        let (open, token) = self.take();
        let text = self.text(token);
        let inner = |prefix: usize| &text[prefix..text.len() - 1];
        let plain = |value: &str, kind| Str {
            value: value.to_string(),
            kind,
            block_indent: String::new(),
            block_term_indent: String::new(),
        };
        let str = match token.kind {
            TokenKind::StringDouble => plain(inner(1), StrKind::Double),
            TokenKind::StringSingle => plain(inner(1), StrKind::Single),
            TokenKind::VerbatimDouble => {
                plain(&inner(2).replace("\"\"", "\""), StrKind::VerbatimDouble)
            }
            TokenKind::VerbatimSingle => {
                plain(&inner(2).replace("''", "'"), StrKind::VerbatimSingle)
            }
            _ => {
                let block = crate::syntax::text_block(self.src, token.start as usize);
                Str {
                    value: block.value,
                    kind: StrKind::Block,
                    block_indent: self.src[block.indent].to_string(),
                    block_term_indent: self.src[block.term_indent].to_string(),
                }
            }
        };
        Node {
            open,
            kind: Kind::Str(str),
        }
    }

    fn params(&mut self, params: &[ast::Param]) -> Params {
        let fodder_l = self.fodder();
        let mut out = Vec::with_capacity(params.len());
        let mut trailing_comma = false;
        for param in params {
            let (id_fodder, token) = self.take();
            let (eq_fodder, default) = match &param.default {
                Some(default) => (self.fodder(), Some(self.expr(default))),
                None => (Fodder::new(), None),
            };
            let (comma_fodder, comma) = self.maybe_comma();
            trailing_comma = comma;
            out.push(Param {
                id_fodder,
                id: self.text(token).to_string(),
                eq_fodder,
                default,
                comma_fodder,
            });
        }
        let fodder_r = self.fodder();
        Params {
            fodder_l,
            params: out,
            trailing_comma,
            fodder_r,
        }
    }

    fn specs(&mut self, specs: &[ast::CompSpec]) -> Vec<Spec> {
        specs
            .iter()
            .map(|spec| match spec {
                ast::CompSpec::For { var, iter, .. } => {
                    let open = self.fodder();
                    let var_fodder = self.fodder();
                    let in_fodder = self.fodder();
                    let expr = self.expr(iter);
                    Spec {
                        open,
                        var: Some(var.name.as_str().to_string()),
                        var_fodder,
                        in_fodder,
                        expr,
                    }
                }
                ast::CompSpec::If { cond, .. } => {
                    let open = self.fodder();
                    let expr = self.expr(cond);
                    Spec {
                        open,
                        var: None,
                        var_fodder: Fodder::new(),
                        in_fodder: Fodder::new(),
                        expr,
                    }
                }
            })
            .collect()
    }

    /// An object's members; returns them and whether a comma follows the last.
    fn fields(&mut self, members: &[Member]) -> (Vec<ObjField>, bool) {
        let mut out = Vec::with_capacity(members.len());
        let mut trailing_comma = false;
        for member in members {
            let mut field = ObjField {
                kind: FieldKind::Id,
                hide: Visibility::Inherit,
                super_sugar: false,
                fodder1: Fodder::new(),
                fodder2: Fodder::new(),
                params: None,
                op_fodder: Fodder::new(),
                id: String::new(),
                expr1: None,
                expr2: None,
                expr3: None,
                comma_fodder: Fodder::new(),
            };
            match member {
                Member::Field(ast_field) => {
                    match &ast_field.name {
                        ast::FieldName::Ident(_) => {
                            let (fodder1, token) = self.take();
                            field.fodder1 = fodder1;
                            field.id = self.text(token).to_string();
                        }
                        ast::FieldName::Str { .. } => {
                            field.kind = FieldKind::Str;
                            field.expr1 = Some(self.string());
                        }
                        ast::FieldName::Computed(name) => {
                            field.kind = FieldKind::Expr;
                            field.fodder1 = self.fodder();
                            field.expr1 = Some(self.expr(name));
                            field.fodder2 = self.fodder();
                        }
                    }
                    field.params = ast_field.params.as_ref().map(|params| self.params(params));
                    field.op_fodder = self.fodder();
                    field.hide = ast_field.visibility;
                    field.super_sugar = ast_field.plus;
                    field.expr2 = Some(self.expr(&ast_field.value));
                }
                Member::Local(bind) => {
                    field.kind = FieldKind::Local;
                    field.fodder1 = self.fodder();
                    field.fodder2 = self.fodder();
                    field.id = bind.name.name.as_str().to_string();
                    field.params = bind.params.as_ref().map(|params| self.params(params));
                    field.op_fodder = self.fodder();
                    field.expr2 = Some(self.expr(&bind.value));
                }
                Member::Assert(assert) => {
                    field.kind = FieldKind::Assert;
                    field.fodder1 = self.fodder();
                    field.expr2 = Some(self.expr(&assert.cond));
                    if let Some(message) = &assert.message {
                        field.op_fodder = self.fodder();
                        field.expr3 = Some(self.expr(message));
                    }
                }
            }
            let (comma_fodder, comma) = self.maybe_comma();
            field.comma_fodder = comma_fodder;
            trailing_comma = comma;
            out.push(field);
        }
        (out, trailing_comma)
    }
}
