//! Decimal numbers written straight into a request buffer: the load writes several into
//! every request (key indexes, `content-length`), where `format!` would cost more than the
//! rest of the request's assembly together.

/// Appends `value` in decimal to `out`, left-padded with zeros to at least `width` digits
/// (as `{value:0width$}` formats it).
pub fn push_padded(out: &mut Vec<u8>, value: u64, width: usize) {
    // u64::MAX has 20 digits; wider padding is zeros before them.
    let mut digits = [b'0'; 20];
    let mut at = digits.len();
    let mut rest = value;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    out.resize(out.len() + width.saturating_sub(digits.len()), b'0');
    out.extend_from_slice(&digits[at.min(digits.len().saturating_sub(width))..]);
}

/// Appends `value` in decimal to `out`.
pub fn push(out: &mut Vec<u8>, value: u64) {
    push_padded(out, value, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_format_writes() {
        let values = [
            0,
            1,
            9,
            10,
            42,
            99_999_999,
            100_000_000,
            123_456_789_012,
            u64::MAX,
        ];
        for value in values {
            for width in [0, 1, 3, 8, 19, 20, 24] {
                let mut out = b"x".to_vec();
                push_padded(&mut out, value, width);
                assert_eq!(out, format!("x{value:0width$}").into_bytes());
            }
            let mut out = Vec::new();
            push(&mut out, value);
            assert_eq!(out, value.to_string().into_bytes());
        }
    }
}
