//! A numbers-only redraw without the DOT. The page lays out the DOT of
//! `/api/run` once; when only numbers change (a slider moved, a value
//! edited) the graph's shape is the same and the page needs only the new
//! texts of the node labels. So the DOT is split into its *shape* (every
//! line, with the contents of each node label's `<TD>` cells left out),
//! named by a key, and each node's label cells. A request that names the
//! key of the picture it shows gets the cells alone when the shape is
//! still that one (docs/serve.md, `dot_key`); putting the cells back into
//! the shape's empty `<TD></TD>`s, in order, gives the DOT again, byte for
//! byte.

use serde_json::{Map, Value as Json};

/// The DOT's shape key and each node's label cells, in the DOT's order.
pub struct Split {
    /// 16 hex digits: FNV-1a (64 bits) of the shape.
    pub key: String,
    /// Node id (unquoted) -> the inner markup of each `<TD>` of its label.
    pub labels: Map<String, Json>,
}

/// Splits the DOT that `bpc dot` writes. A node line is `  "ID" [ATTRS];`
/// with `label=<HTML>` as the last attribute; the cells are the `<TD>...</TD>`
/// of that HTML (bpc's labels do not nest tables). Other lines are shape.
pub fn split(dot: &str) -> Split {
    let mut hash = Fnv::new();
    let mut labels = Map::new();
    for (i, line) in dot.split('\n').enumerate() {
        if i > 0 {
            hash.write(b"\n");
        }
        let Some((id, label_at)) = node_label(line) else {
            hash.write(line.as_bytes());
            continue;
        };
        // The HTML runs from after `label=<` to the `>` before `];`.
        let start = label_at + "label=<".len();
        let end = line.len() - "];".len() - ">".len();
        hash.write(&line.as_bytes()[..start]);
        let mut cells = Vec::new();
        let mut rest = &line[start..end];
        while let Some(open) = rest.find("<TD>") {
            let inner = open + "<TD>".len();
            let Some(close) = rest[inner..].find("</TD>") else {
                break;
            };
            hash.write(&rest.as_bytes()[..inner]);
            cells.push(Json::String(rest[inner..inner + close].to_string()));
            rest = &rest[inner + close..];
        }
        hash.write(rest.as_bytes());
        hash.write(&line.as_bytes()[end..]);
        labels.insert(id, Json::Array(cells));
    }
    Split {
        key: format!("{:016x}", hash.0),
        labels,
    }
}

/// A node line's id (unquoted) and where its `label=<` starts, or `None`
/// when the line is not `  "ID" [ATTRS];` with an HTML label.
fn node_label(line: &str) -> Option<(String, usize)> {
    let rest = line.strip_prefix("  \"")?;
    let mut id = String::new();
    let mut chars = rest.char_indices();
    let close = loop {
        match chars.next()? {
            (_, '\\') => id.push(chars.next()?.1),
            (at, '"') => break at,
            (_, c) => id.push(c),
        }
    };
    let attrs_at = 3 + close + 1;
    let attrs = line[attrs_at..].strip_prefix(" [")?.strip_suffix("];")?;
    let label = attrs.find("label=<")?;
    if !attrs.ends_with('>') {
        return None;
    }
    Some((id, attrs_at + 2 + label))
}

/// FNV-1a, 64 bits: small, stable across runs and platforms.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOT: &str = "digraph \"g\" {\n  graph [label=<<B>g</B>>];\n  \"a\\\"b\" [shape=box, label=<<TABLE><TR><TD><B>a\"b</B></TD></TR><TR><TD>0.5</TD></TR></TABLE>>];\n  \"#3\" [shape=plaintext, label=\"2\"];\n  \"a\\\"b\" -> \"#3\";\n}\n";

    #[test]
    fn cells_are_taken_out_of_node_labels_only() {
        let s = split(DOT);
        assert_eq!(
            Json::Object(s.labels),
            serde_json::json!({"a\"b": ["<B>a\"b</B>", "0.5"]})
        );
        assert_eq!(s.key.len(), 16);
    }

    #[test]
    fn the_key_is_the_shape_not_the_numbers() {
        let key = split(DOT).key;
        assert_eq!(split(&DOT.replace("0.5", "0.75")).key, key);
        assert_eq!(split(&DOT.replace("<B>a", "<I>a")).key, key);
        assert_ne!(split(&DOT.replace("shape=box", "shape=oval")).key, key);
        assert_ne!(split(&DOT.replace("-> \"#3\"", "-> \"#4\"")).key, key);
        assert_ne!(split(&DOT.replace("label=<<B>g", "label=<<B>h")).key, key);
        // The cells' boundaries are part of the shape.
        assert_ne!(
            split(&DOT.replace("0.5</TD>", "0.5</TD><TD>1</TD>")).key,
            key
        );
    }
}
