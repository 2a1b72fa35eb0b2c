//! The syntax tree of a kcfg / Jsonnet file, as written.
//!
//! `syntax` builds this tree from source text; it keeps every construct the
//! user wrote (parentheses, method sugar, `+:`, string styles, text blocks,
//! `e { … }`) and every comment, with exact byte spans, because the formatter
//! and the language server work on it. `analyze` lowers it to the evaluator's
//! IR (`crate::ir`), which is where desugaring happens.
//!
//! The tree is plain owned data (`Box`, `Vec`, `String`, [`Sym`]) and is
//! `Send + Sync`, so a parsed file can be shared by threads.

use crate::span::Span;
use crate::sym::Sym;
pub use crate::syntax::{Token, TokenKind};

/// A parsed file: its one expression, all its comments and all its tokens.
///
/// The tree is lossless: with `tokens` and the file's text, every byte of
/// the file is accounted for. A token's text is its span; the text between
/// two consecutive tokens (and before the first, and after the last) is
/// whitespace and comments only, which [`crate::syntax::Fodder`] reads as
/// the reference's "fodder" of the following token. Expressions carry the
/// span of their first token, so a tool finds the tokens of any node (its
/// punctuation included: `,` `;` `:` `=` `then` `else` `in` …) by
/// searching `tokens` for its start.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTree {
    /// The file's expression.
    pub expr: Expr,
    /// Every comment in the file, in source order. Tools attach them to
    /// nodes by position.
    pub comments: Vec<Comment>,
    /// Every token of the file but the end of file, in source order.
    pub tokens: Vec<Token>,
}

/// A comment and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    /// The comment's span, from its first character (`/`, `#`) to its last
    /// (the line break of a line comment is not included).
    pub span: Span,
    /// Which of the three forms it is.
    pub kind: CommentKind,
    /// The text between the delimiters (`// x` → ` x`, `/* y */` → ` y `).
    pub text: String,
}

/// The three forms of comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentKind {
    /// `// …` to the end of the line.
    Slash,
    /// `# …` to the end of the line.
    Hash,
    /// `/* … */`.
    Block,
}

/// An identifier with its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ident {
    /// The name.
    pub name: Sym,
    /// Where it is written.
    pub span: Span,
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// The whole expression, from its first token to its last.
    pub span: Span,
}

/// Trees can be far deeper than the native stack allows (`1 + 1 + …`
/// nests to the left), and dropping one recurses: each level makes sure
/// of some stack first, so a deep tree is freed on any thread.
impl Drop for Expr {
    fn drop(&mut self) {
        if self.kind.is_leaf() {
            return;
        }
        crate::stack::drop_deep(&mut self.kind, ExprKind::Null);
    }
}

impl ExprKind {
    /// Whether the expression has no subexpressions.
    fn is_leaf(&self) -> bool {
        matches!(
            self,
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
                | ExprKind::Missing
        )
    }
}

// Every node of every parsed file is an `Expr`: keep it small (the
// evaluator moves and copies trees while parsing and lowering them).
#[cfg(target_pointer_width = "64")]
static_assertions::assert_eq_size!(ExprKind, [u8; 48]);

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `null`
    Null,
    /// `true`
    True,
    /// `false`
    False,
    /// `self`
    SelfValue,
    /// `$`
    Dollar,
    /// A number literal. Its text as written is the span's text.
    Num(f64),
    /// A string literal, its escapes and text-block indentation resolved.
    /// The literal as written (escapes, text-block indentation, `@` and
    /// quotes) is the text of the span.
    Str {
        /// The string's value.
        value: String,
        /// How it was written.
        style: StrStyle,
    },
    /// A variable.
    Var(Ident),
    /// `[a, b, c]`
    Array {
        /// The elements.
        elems: Vec<Expr>,
        /// Whether a comma follows the last element.
        trailing_comma: bool,
    },
    /// `[body for x in e if c …]`; `specs` starts with a `for`.
    ArrayComp {
        /// The element expression.
        body: Box<Expr>,
        /// Whether a comma follows the body (`[x, for x in e]`).
        trailing_comma: bool,
        /// The `for` and `if` clauses, in order.
        specs: Vec<CompSpec>,
    },
    /// `{ … }`
    Object {
        /// Fields, locals and asserts, in order.
        members: Vec<Member>,
        /// Whether a comma follows the last member.
        trailing_comma: bool,
    },
    /// `{ [k]: v for x in e … }`: `members` holds object locals and exactly
    /// one field, whose name is computed; `specs` starts with a `for`.
    ObjectComp {
        /// Locals and the one field, in order.
        members: Vec<Member>,
        /// Whether a comma follows the last member, before the first `for`.
        trailing_comma: bool,
        /// The `for` and `if` clauses, in order. A boxed slice rather than
        /// a `Vec`, to keep `ExprKind` (and every `Expr`) at 48 bytes.
        specs: Box<[CompSpec]>,
    },
    /// `target.name`
    Field {
        /// The indexed expression.
        target: Box<Expr>,
        /// The field name.
        name: Ident,
    },
    /// `target[index]`
    Index {
        /// The indexed expression.
        target: Box<Expr>,
        /// The index.
        index: Box<Expr>,
    },
    /// `target[start:end:step]`, each part optional.
    Slice {
        /// The sliced expression.
        target: Box<Expr>,
        /// First index.
        start: Option<Box<Expr>>,
        /// End index (exclusive).
        end: Option<Box<Expr>>,
        /// Step.
        step: Option<Box<Expr>>,
    },
    /// `super.name`
    SuperField {
        /// The field name.
        name: Ident,
    },
    /// `super[index]`
    SuperIndex {
        /// The field name expression.
        index: Box<Expr>,
    },
    /// `key in super`
    InSuper {
        /// The field name expression.
        key: Box<Expr>,
    },
    /// `target(args)` or `target(args) tailstrict`.
    Apply {
        /// The called expression.
        target: Box<Expr>,
        /// Positional then named arguments, as written.
        args: Vec<Arg>,
        /// Whether a trailing comma was written after the last argument.
        trailing_comma: bool,
        /// `tailstrict`
        tailstrict: bool,
    },
    /// `target { … }`: sugar for `target + { … }`.
    ApplyBrace {
        /// The left operand.
        target: Box<Expr>,
        /// The object literal (an `Object` or `ObjectComp` expression).
        object: Box<Expr>,
    },
    /// `lhs op rhs`
    Binary {
        /// The operator.
        op: BinaryOp,
        /// Left operand.
        lhs: Box<Expr>,
        /// Right operand.
        rhs: Box<Expr>,
    },
    /// `op expr`
    Unary {
        /// The operator.
        op: UnaryOp,
        /// The operand.
        expr: Box<Expr>,
    },
    /// `if cond then a else b`
    If {
        /// The condition.
        cond: Box<Expr>,
        /// The `then` branch.
        then: Box<Expr>,
        /// The `else` branch; without one the value is `null` when false.
        otherwise: Option<Box<Expr>>,
    },
    /// `function(params) body`
    Function {
        /// The parameters.
        params: Vec<Param>,
        /// The body.
        body: Box<Expr>,
    },
    /// `local a = x, b = y; body`
    Local {
        /// The bindings (mutually recursive).
        binds: Vec<Bind>,
        /// The body.
        body: Box<Expr>,
    },
    /// `assert cond : message; rest`
    Assert {
        /// The assertion.
        assert: Box<AssertClause>,
        /// What the expression evaluates to when the assertion holds.
        rest: Box<Expr>,
    },
    /// `error message`
    Error {
        /// The message expression.
        message: Box<Expr>,
    },
    /// `import "p"`, `importstr "p"`, `importbin "p"`.
    Import {
        /// Which of the three.
        kind: ImportKind,
        /// The path, as the string literal's value.
        path: String,
        /// The span of the string literal.
        path_span: Span,
    },
    /// `( expr )`
    Parens(Box<Expr>),
    /// Where an expression should be but none is written: made only by the
    /// recovering parse ([`crate::syntax::parse_recovering`]) after a syntax
    /// error, with an empty span at the token where the expression was
    /// expected. A tree that holds one never reaches the evaluator.
    Missing,
}

/// How a string literal was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrStyle {
    /// `"…"`
    Double,
    /// `'…'`
    Single,
    /// `@"…"`
    VerbatimDouble,
    /// `@'…'`
    VerbatimSingle,
    /// `|||` text block.
    Block,
    /// `|||-` text block (final line break removed).
    BlockChomped,
}

/// A function call argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Arg {
    /// The name of a named argument (`f(x=1)`).
    pub name: Option<Ident>,
    /// The value.
    pub value: Expr,
}

/// A function parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The name.
    pub name: Ident,
    /// The default value, if any.
    pub default: Option<Expr>,
}

/// A `local` binding: `x = e` or the method sugar `f(a, b) = e`.
#[derive(Debug, Clone, PartialEq)]
pub struct Bind {
    /// The bound name.
    pub name: Ident,
    /// Parameters of the method sugar `f(a, b) = e`.
    pub params: Option<Vec<Param>>,
    /// The value (for method sugar, the function body).
    pub value: Expr,
    /// From the name to the end of the value.
    pub span: Span,
}

/// `assert cond` or `assert cond : message`.
#[derive(Debug, Clone, PartialEq)]
pub struct AssertClause {
    /// The condition.
    pub cond: Expr,
    /// The message, if any.
    pub message: Option<Expr>,
    /// From `assert` to the end of the message.
    pub span: Span,
}

/// A member of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Member {
    /// `local x = e`
    Local(Bind),
    /// `assert c : m`
    Assert(AssertClause),
    /// A field.
    Field(Field),
}

/// A field of an object literal.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field's name.
    pub name: FieldName,
    /// `+:` (super sugar): the value is added to the inherited one.
    pub plus: bool,
    /// `:`, `::` or `:::`.
    pub visibility: Visibility,
    /// Parameters of the method sugar `f(x): e`.
    pub params: Option<Vec<Param>>,
    /// The value.
    pub value: Expr,
    /// From the name to the end of the value.
    pub span: Span,
}

/// How a field's name is written.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldName {
    /// `name: …`
    Ident(Ident),
    /// `"name": …` (any string literal form).
    Str {
        /// The name.
        value: String,
        /// How it was written.
        style: StrStyle,
        /// The literal's span.
        span: Span,
    },
    /// `[expr]: …`
    Computed(Expr),
}

/// Field visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// `:` — visible unless an inherited field is hidden.
    Inherit,
    /// `::` — hidden.
    Hidden,
    /// `:::` — visible, even if an inherited field is hidden.
    Visible,
}

/// A clause of a comprehension.
#[derive(Debug, Clone, PartialEq)]
pub enum CompSpec {
    /// `for var in iter`
    For {
        /// The loop variable.
        var: Ident,
        /// The iterated expression.
        iter: Expr,
        /// The whole clause.
        span: Span,
    },
    /// `if cond`
    If {
        /// The condition.
        cond: Expr,
        /// The whole clause.
        span: Span,
    },
}

/// Binary operators, tightest-binding first in each group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `&`
    BitAnd,
    /// `^`
    BitXor,
    /// `|`
    BitOr,
    /// `&&`
    And,
    /// `||`
    Or,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Shl => "<<",
            BinaryOp::Shr => ">>",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::BitAnd => "&",
            BinaryOp::BitXor => "^",
            BinaryOp::BitOr => "|",
            BinaryOp::And => "&&",
            BinaryOp::Or => "||",
        }
    }

    /// Binding strength: higher binds tighter. Operators of equal precedence
    /// associate to the left.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod => 12,
            BinaryOp::Add | BinaryOp::Sub => 11,
            BinaryOp::Shl | BinaryOp::Shr => 10,
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::In => 9,
            BinaryOp::Eq | BinaryOp::Ne => 8,
            BinaryOp::BitAnd => 7,
            BinaryOp::BitXor => 6,
            BinaryOp::BitOr => 5,
            BinaryOp::And => 4,
            BinaryOp::Or => 3,
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-`
    Neg,
    /// `+`
    Plus,
    /// `!`
    Not,
    /// `~`
    BitNot,
}

impl UnaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            UnaryOp::Neg => "-",
            UnaryOp::Plus => "+",
            UnaryOp::Not => "!",
            UnaryOp::BitNot => "~",
        }
    }
}

/// The three import forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// `import`: evaluate the file as code.
    Code,
    /// `importstr`: the file's text as a string.
    Str,
    /// `importbin`: the file's bytes as an array of numbers.
    Bin,
}
