//! Codes people read aloud and type: 16 random characters from an
//! alphabet without look-alikes, grouped by four (`XXXX-XXXX-XXXX-XXXX`).

use rand::Rng;

/// A new code from `alphabet`, drawn uniformly by the operating system's
/// random source.
pub(crate) fn grouped_code(alphabet: &[u8]) -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..16)
        .map(|_| char::from(alphabet[rng.gen_range(0..alphabet.len())]))
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_four_groups_of_four_from_the_alphabet() {
        let alphabet = b"ABC23";
        let code = grouped_code(alphabet);
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4, "{code}");
        for g in groups {
            assert_eq!(g.len(), 4, "{code}");
            assert!(g.bytes().all(|b| alphabet.contains(&b)), "{code}");
        }
        assert_ne!(grouped_code(b"ABCDEFGHJKMNPQRSTUVWXYZ23456789"), code);
    }
}
