//! A small matcher for the anchored `pattern`s of `deploy.toml`'s schema
//! (`^…$` with literals, ASCII-style classes, groups, `|` and the quantifiers
//! `* + ? {n} {n,} {n,m}`), so accepting a valid file needs no regex engine.
//!
//! Anything outside that subset (`.`, `\d`, lookarounds, lazy quantifiers, an
//! unanchored pattern…) parses to `None`: the caller then asks the real
//! validator. Matching simulates the NFA state set (no backtracking), so it is
//! linear in the input whatever the pattern.

/// A compiled pattern.
#[derive(Debug)]
pub struct Pattern {
    prog: Vec<Inst>,
    /// Character classes: inclusive ranges, and whether the class is negated.
    classes: Vec<(Vec<(char, char)>, bool)>,
}

/// A pattern compiled at build time: the same program as [`Pattern`], in
/// static data (`schema_table.rs` holds one per schema pattern, written by
/// [`Pattern::source`]), so a run does not compile the schema's patterns.
#[derive(Debug)]
pub struct StaticPattern {
    pub prog: &'static [Inst],
    pub classes: &'static [(&'static [(char, char)], bool)],
}

#[derive(Debug, Clone, Copy)]
pub enum Inst {
    /// One character of class `n` (`{0,63}` repeats an index, not the ranges).
    Class(usize),
    Split(usize, usize),
    Jmp(usize),
    Match,
}

#[derive(Debug, Clone)]
enum Ast {
    Class(usize),
    Concat(Vec<Ast>),
    Alt(Vec<Ast>),
    Repeat(Box<Ast>, u32, Option<u32>),
}

/// Counted repetitions are expanded; bound them so a pattern stays small.
const MAX_COUNT: u32 = 1000;

impl Pattern {
    /// Compile `^…$`; `None` when the pattern is outside the subset.
    pub fn new(pattern: &str) -> Option<Pattern> {
        let body = pattern.strip_prefix('^')?.strip_suffix('$')?;
        if body.ends_with('\\') && !body.ends_with("\\\\") {
            return None; // the `$` was escaped
        }
        let chars: Vec<char> = body.chars().collect();
        let mut p = Parser {
            chars: &chars,
            at: 0,
            classes: Vec::new(),
        };
        let ast = p.alt()?;
        if p.at != chars.len() {
            return None;
        }
        let mut prog = Vec::new();
        compile(&ast, &mut prog);
        prog.push(Inst::Match);
        Some(Pattern {
            prog,
            classes: p.classes,
        })
    }

    /// Whether the whole of `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        run(&self.prog, s, |class, c| {
            let (ranges, negated) = &self.classes[class];
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        })
    }

    /// The [`StaticPattern`] of this program, as a Rust expression.
    pub fn source(&self) -> String {
        let prog: Vec<String> = self.prog.iter().map(|i| format!("Inst::{i:?}")).collect();
        let classes: Vec<String> = self
            .classes
            .iter()
            .map(|(ranges, negated)| format!("(&{ranges:?}, {negated})"))
            .collect();
        format!(
            "StaticPattern {{ prog: &[{}], classes: &[{}] }}",
            prog.join(", "),
            classes.join(", ")
        )
    }
}

impl StaticPattern {
    /// Whether the whole of `s` matches.
    pub fn is_match(&self, s: &str) -> bool {
        run(self.prog, s, |class, c| {
            let (ranges, negated) = self.classes[class];
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != negated
        })
    }
}

/// Simulate the program's NFA over `s`; `inside(class, c)`: whether `c` is in the class.
fn run(prog: &[Inst], s: &str, inside: impl Fn(usize, char) -> bool) -> bool {
    let n = prog.len();
    let mut seen = vec![usize::MAX; n];
    let mut stack = Vec::new();
    let mut current = Vec::new();
    let mut next = Vec::new();
    add(prog, 0, 0, &mut seen, &mut stack, &mut current);
    for (step, c) in s.chars().enumerate() {
        if current.is_empty() {
            return false;
        }
        next.clear();
        for &pc in &current {
            if let Inst::Class(class) = prog[pc]
                && inside(class, c)
            {
                add(prog, pc + 1, step + 1, &mut seen, &mut stack, &mut next);
            }
        }
        std::mem::swap(&mut current, &mut next);
    }
    current.iter().any(|&pc| matches!(prog[pc], Inst::Match))
}

/// Follow jumps and splits from `pc`; collect the states that read a character or match.
fn add(prog: &[Inst], pc: usize, generation: usize, seen: &mut [usize], stack: &mut Vec<usize>, out: &mut Vec<usize>) {
    stack.push(pc);
    while let Some(pc) = stack.pop() {
        if seen[pc] == generation {
            continue;
        }
        seen[pc] = generation;
        match prog[pc] {
            Inst::Jmp(to) => stack.push(to),
            Inst::Split(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            Inst::Class(_) | Inst::Match => out.push(pc),
        }
    }
}

fn compile(ast: &Ast, prog: &mut Vec<Inst>) {
    match ast {
        Ast::Class(class) => prog.push(Inst::Class(*class)),
        Ast::Concat(items) => items.iter().for_each(|a| compile(a, prog)),
        Ast::Alt(branches) => {
            // split → b0 | split → b1 | … ; every branch jumps to the end.
            let mut jumps = Vec::new();
            for (i, b) in branches.iter().enumerate() {
                if i + 1 < branches.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(b, prog);
                    jumps.push(prog.len());
                    prog.push(Inst::Jmp(0));
                    let next = prog.len();
                    prog[split] = Inst::Split(split + 1, next);
                } else {
                    compile(b, prog);
                }
            }
            let end = prog.len();
            for j in jumps {
                prog[j] = Inst::Jmp(end);
            }
        }
        Ast::Repeat(inner, min, max) => {
            for _ in 0..*min {
                compile(inner, prog);
            }
            match max {
                None => {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(inner, prog);
                    prog.push(Inst::Jmp(split));
                    let end = prog.len();
                    prog[split] = Inst::Split(split + 1, end);
                }
                Some(max) => {
                    let mut splits = Vec::new();
                    for _ in *min..*max {
                        splits.push(prog.len());
                        prog.push(Inst::Split(0, 0));
                        compile(inner, prog);
                    }
                    let end = prog.len();
                    for s in splits {
                        prog[s] = Inst::Split(s + 1, end);
                    }
                }
            }
        }
    }
}

struct Parser<'a> {
    chars: &'a [char],
    at: usize,
    classes: Vec<(Vec<(char, char)>, bool)>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn alt(&mut self) -> Option<Ast> {
        let mut branches = vec![self.concat()?];
        while self.peek() == Some('|') {
            self.at += 1;
            branches.push(self.concat()?);
        }
        Some(if branches.len() == 1 {
            branches.pop()?
        } else {
            Ast::Alt(branches)
        })
    }

    fn concat(&mut self) -> Option<Ast> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            items.push(self.quantified(atom)?);
        }
        Some(Ast::Concat(items))
    }

    fn atom(&mut self) -> Option<Ast> {
        match self.bump()? {
            '(' => {
                if self.peek() == Some('?') {
                    return None;
                }
                let inner = self.alt()?;
                (self.bump()? == ')').then_some(inner)
            }
            '[' => self.class(),
            '\\' => {
                let c = self.escaped()?;
                Some(self.new_class(vec![(c, c)], false))
            }
            '.' | '^' | '$' | '*' | '+' | '?' | '{' | '}' | ']' | ')' => None,
            c => Some(self.new_class(vec![(c, c)], false)),
        }
    }

    fn new_class(&mut self, ranges: Vec<(char, char)>, negated: bool) -> Ast {
        self.classes.push((ranges, negated));
        Ast::Class(self.classes.len() - 1)
    }

    /// `\` + ASCII punctuation is that character; every other escape is outside the subset.
    fn escaped(&mut self) -> Option<char> {
        let c = self.bump()?;
        c.is_ascii_punctuation().then_some(c)
    }

    fn class(&mut self) -> Option<Ast> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut ranges = Vec::new();
        loop {
            let lo = match self.bump()? {
                ']' if !ranges.is_empty() => break,
                '[' | ']' => return None,
                '\\' => self.escaped()?,
                c => c,
            };
            let is_range = self.peek() == Some('-') && self.chars.get(self.at + 1).is_some_and(|c| *c != ']');
            if is_range {
                self.at += 1;
                let hi = match self.bump()? {
                    '\\' => self.escaped()?,
                    '[' => return None,
                    c => c,
                };
                if hi < lo {
                    return None;
                }
                ranges.push((lo, hi));
            } else {
                ranges.push((lo, lo));
            }
        }
        Some(self.new_class(ranges, negated))
    }

    fn quantified(&mut self, atom: Ast) -> Option<Ast> {
        let (min, max) = match self.peek() {
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('?') => (0, Some(1)),
            Some('{') => {
                self.at += 1;
                let min = self.number()?;
                let max = match self.bump()? {
                    '}' => Some(min),
                    ',' if self.peek() == Some('}') => {
                        self.at += 1;
                        None
                    }
                    ',' => {
                        let max = self.number()?;
                        (self.bump()? == '}').then_some(())?;
                        Some(max)
                    }
                    _ => return None,
                };
                if max.is_some_and(|m| m < min) {
                    return None;
                }
                self.at -= 1; // the closing `}` is consumed below
                (min, max)
            }
            _ => return Some(atom),
        };
        self.at += 1;
        // Lazy or stacked quantifiers are outside the subset.
        if matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
            return None;
        }
        Some(Ast::Repeat(Box::new(atom), min, max))
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits: String = self.chars[start..self.at].iter().collect();
        digits.parse().ok().filter(|n| *n <= MAX_COUNT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, s: &str) -> bool {
        Pattern::new(p).unwrap().is_match(s)
    }

    #[test]
    fn anchored_classes_groups_and_counts() {
        let tag = r"^tag:[a-zA-Z][a-zA-Z0-9-]{0,63}$";
        assert!(m(tag, "tag:server"));
        assert!(!m(tag, "tag:"));
        assert!(!m(tag, "tag:9"));
        assert!(!m(tag, &format!("tag:a{}", "b".repeat(64))));
        assert!(m(tag, &format!("tag:a{}", "b".repeat(63))));
        let secret = r"^(\$\{[A-Z_][A-Z0-9_]*\})?$";
        assert!(m(secret, ""));
        assert!(m(secret, "${TS_AUTHKEY}"));
        assert!(!m(secret, "${ts}"));
        assert!(!m(secret, "${TS}\n"));
        assert!(m("^a|bc$", "bc") && m("^a|bc$", "a") && !m("^a|bc$", "ab"));
        assert!(m("^[^a-c]+$", "xyz") && !m("^[^a-c]+$", "xaz"));
    }

    #[test]
    fn outside_the_subset_is_none() {
        for p in [
            "a",
            "^a",
            "a$",
            r"^\d$",
            "^.$",
            "^(?:a)$",
            "^a*?$",
            "^a{2,1}$",
            r"^a\$",
            "^[]$",
            "^a{5000}$",
        ] {
            assert!(Pattern::new(p).is_none(), "{p}");
        }
    }
}
