//! `Number`: DynamoDB's exact decimal.
//!
//! A number is up to 38 significant digits with a magnitude in `1E-130 ..=
//! 9.9999999999999999999999999999999999999E+125` (or zero), positive or negative. It is held
//! as `±mantissa × 10^exponent` with the mantissa stripped of trailing zeros, so the
//! representation is canonical: derived `Eq` and `Hash` agree with numeric equality
//! (`1.50 == 15E-1`, `-0 == 0`). Comparison, encoding and display never allocate.
//!
//! # Error texts
//!
//! Checked against DynamoDB Local 3.3.1 (PutItem, UpdateItem `SET a = a + :v` and `ADD`):
//! - "Number overflow. Attempting to store a number with magnitude larger than supported range"
//! - "Number underflow. Attempting to store a number with magnitude smaller than supported range"
//! - which inputs parse (`+5`, `.5`, `5.`, `1e0000002`, `00.00e-0`) and which do not (`NaN`,
//!   `Infinity`, `0x10`, ` 1`, `1 `, ``, `-`, `.`, `e5`, `1e`, `1_000`, `1d`, `1E2147483648`),
//!   and the order of checks: syntax, then precision, then range
//!   (`1234567890123456789012345678901234567890E200` is a precision error, not an overflow).
//!
//! DynamoDB Local words two errors differently from the service. We use the service's texts,
//! as recorded against it by dynalite's test suite and quoted in user reports:
//! - "The parameter cannot be converted to a numeric value: abc" (service; the input is
//!   omitted when it is empty). DynamoDB Local: "A value provided cannot be converted into a
//!   number".
//! - "Attempting to store more than 38 significant digits in a Number" (service).
//!   DynamoDB Local: "DynamoDB only supports precision up to 38 digits".
//!
//! DynamoDB Local also accepts non-ASCII decimal digits (`"١"` is stored as 1), as Java's
//! `BigDecimal` does; we accept ASCII digits only.
//!
//! # Display
//!
//! The service answers in plain notation, never with an exponent (checked against DynamoDB
//! Local): `1.50` → `1.5`, `0001` → `1`, `1E+2` → `100`, `1e-5` → `0.00001`, `-0` → `0`,
//! `1E125` → `1` followed by 125 zeros. DynamoDB Local returns the unnormalised result of
//! arithmetic (`0.5 + 0.5` → `1.0`); we always normalise.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use super::error::DynamoError;

/// Most significant digits a number may have.
pub const MAX_DIGITS: usize = 38;
/// Largest decimal exponent of the most significant digit (`9.99…E+125`).
pub const MAX_EXPONENT: i32 = 125;
/// Smallest decimal exponent of the most significant digit (`1E-130`).
pub const MIN_EXPONENT: i32 = -130;
/// Longest output of [`Number::encode_ordered`]: tag, exponent, 19 digit pairs.
pub const MAX_ENCODED_LEN: usize = 2 + MAX_DIGITS / 2;

/// Tags of the ordered encoding; their order is the order of the sign classes.
const TAG_NEGATIVE: u8 = 0x01;
const TAG_ZERO: u8 = 0x02;
const TAG_POSITIVE: u8 = 0x03;

const POW10: [u128; 39] = {
    let mut table = [1u128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

const POW10_19: u128 = 10_000_000_000_000_000_000;

/// Why a text or a result is not a valid DynamoDB number. `Number::parse` and the checked
/// arithmetic turn it into the service's `ValidationException`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not numeric text.
    Syntax,
    /// More than 38 significant digits.
    Precision,
    /// Magnitude above `9.99…E+125`.
    Overflow,
    /// Non-zero magnitude below `1E-130`.
    Underflow,
}

impl NumberError {
    /// The service's message. `input` is the offending text, quoted by `Syntax` only.
    pub fn message(self, input: &str) -> String {
        match self {
            NumberError::Syntax if input.is_empty() => {
                "The parameter cannot be converted to a numeric value".to_owned()
            }
            NumberError::Syntax => {
                format!("The parameter cannot be converted to a numeric value: {input}")
            }
            NumberError::Precision => {
                "Attempting to store more than 38 significant digits in a Number".to_owned()
            }
            NumberError::Overflow => "Number overflow. Attempting to store a number with \
                                      magnitude larger than supported range"
                .to_owned(),
            NumberError::Underflow => "Number underflow. Attempting to store a number with \
                                       magnitude smaller than supported range"
                .to_owned(),
        }
    }

    /// The `ValidationException` the service answers with.
    pub fn to_dynamo_error(self, input: &str) -> DynamoError {
        DynamoError::validation(self.message(input))
    }
}

/// A DynamoDB number. See the module documentation.
///
/// Invariants: zero is `{mantissa: 0, exponent: 0, digits: 0, negative: false}`; otherwise
/// `mantissa % 10 != 0`, `digits` is its decimal length (1..=38) and
/// `MIN_EXPONENT <= exponent + digits - 1 <= MAX_EXPONENT`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Number {
    mantissa: u128,
    exponent: i16,
    digits: u8,
    negative: bool,
}

impl Number {
    pub const ZERO: Number = Number {
        mantissa: 0,
        exponent: 0,
        digits: 0,
        negative: false,
    };

    /// Parses the text of an `N` value, answering with the service's error.
    pub fn parse(s: &str) -> Result<Number, DynamoError> {
        Number::try_parse(s).map_err(|e| e.to_dynamo_error(s))
    }

    /// Parses the text of an `N` value: optional sign, digits with an optional decimal point
    /// (at least one digit), optional exponent `e`/`E` with optional sign. No whitespace.
    /// Like Java's `BigDecimal`, the exponent must fit an `i32` and so must the scale
    /// (fraction digits minus exponent), even for zero.
    pub fn try_parse(s: &str) -> Result<Number, NumberError> {
        let b = s.as_bytes();
        let mut i = 0;
        let negative = match b.first() {
            Some(b'-') => {
                i = 1;
                true
            }
            Some(b'+') => {
                i = 1;
                false
            }
            _ => false,
        };
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &b[int_start..i];
        let mut frac_digits: &[u8] = &[];
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let frac_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            frac_digits = &b[frac_start..i];
        }
        if int_digits.is_empty() && frac_digits.is_empty() {
            return Err(NumberError::Syntax);
        }
        let mut exp: i64 = 0;
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            let exp_negative = match b.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let exp_start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                // Saturate well outside the i32 range; anything there is rejected below.
                exp = (exp * 10 + i64::from(b[i] - b'0')).min(1 << 40);
                i += 1;
            }
            if i == exp_start {
                return Err(NumberError::Syntax);
            }
            if exp_negative {
                exp = -exp;
            }
        }
        if i != b.len() {
            return Err(NumberError::Syntax);
        }
        let scale = i64::try_from(frac_digits.len()).unwrap_or(i64::MAX) - exp;
        if i32::try_from(exp).is_err() || i32::try_from(scale).is_err() {
            return Err(NumberError::Syntax);
        }

        // The digits as one sequence, integer part then fraction: index k < int_len is
        // int_digits[k], else frac_digits[k - int_len].
        let nonzero = |d: &u8| *d != b'0';
        let Some(first) = int_digits.iter().position(nonzero).or_else(|| {
            frac_digits
                .iter()
                .position(nonzero)
                .map(|k| int_digits.len() + k)
        }) else {
            return Ok(Number::ZERO);
        };
        let last = frac_digits
            .iter()
            .rposition(nonzero)
            .map(|k| int_digits.len() + k)
            .or_else(|| int_digits.iter().rposition(nonzero))
            .unwrap_or(first);
        let sig = last - first + 1;
        if sig > MAX_DIGITS {
            return Err(NumberError::Precision);
        }
        // The digit at index k of the sequence stands for 10^(int_len - 1 - k) × 10^exp.
        // Lengths fit i64: they are bounded by the input size.
        let int_len = int_digits.len() as i64;
        let last_power = int_len - 1 - last as i64 + exp;
        let adjusted = last_power + sig as i64 - 1;
        if adjusted > i64::from(MAX_EXPONENT) {
            return Err(NumberError::Overflow);
        }
        if adjusted < i64::from(MIN_EXPONENT) {
            return Err(NumberError::Underflow);
        }
        // At most 38 digits: up to 19 in a u64 first, then the rest on top.
        let (int_part, frac_part) = if first < int_digits.len() {
            (
                &int_digits[first..],
                &frac_digits[..(last + 1).saturating_sub(int_digits.len())],
            )
        } else {
            (
                &int_digits[..0],
                &frac_digits[first - int_digits.len()..=last - int_digits.len()],
            )
        };
        let int_part = &int_part[..int_part.len().min(sig)];
        let mut mantissa = 0u128;
        let mut chunk = 0u64;
        let mut chunk_len = 0;
        for &d in int_part.iter().chain(frac_part) {
            chunk = chunk * 10 + u64::from(d - b'0');
            chunk_len += 1;
            if chunk_len == 19 {
                mantissa = mantissa * POW10_19 + u128::from(chunk);
                chunk = 0;
                chunk_len = 0;
            }
        }
        let mantissa = mantissa * POW10[chunk_len] + u128::from(chunk);
        Ok(Number {
            mantissa,
            exponent: last_power as i16,
            digits: sig as u8,
            negative,
        })
    }

    /// `±mantissa × 10^exponent`, normalised and checked for precision and range.
    fn from_parts(negative: bool, mantissa: u128, exponent: i64) -> Result<Number, NumberError> {
        if mantissa == 0 {
            return Ok(Number::ZERO);
        }
        let (mantissa, stripped) = strip_trailing_zeros(mantissa);
        let exponent = exponent + i64::from(stripped);
        let digits = decimal_len(mantissa);
        if digits as usize > MAX_DIGITS {
            return Err(NumberError::Precision);
        }
        let adjusted = exponent + i64::from(digits) - 1;
        if adjusted > i64::from(MAX_EXPONENT) {
            return Err(NumberError::Overflow);
        }
        if adjusted < i64::from(MIN_EXPONENT) {
            return Err(NumberError::Underflow);
        }
        Ok(Number {
            mantissa,
            exponent: exponent as i16,
            digits: digits as u8,
            negative,
        })
    }

    pub fn from_u64(v: u64) -> Number {
        Number::from_parts(false, u128::from(v), 0).expect("a u64 has at most 20 digits")
    }

    pub fn from_i64(v: i64) -> Number {
        Number::from_parts(v < 0, u128::from(v.unsigned_abs()), 0)
            .expect("an i64 has at most 19 digits")
    }

    /// The value as an `i64` when it is an integer in range.
    pub fn to_i64(&self) -> Option<i64> {
        if self.exponent < 0 {
            return None;
        }
        let magnitude = self
            .mantissa
            .checked_mul(*POW10.get(self.exponent as usize)?)?;
        if self.negative {
            0i128
                .checked_sub_unsigned(magnitude)
                .and_then(|v| i64::try_from(v).ok())
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// The nearest `f64`, roughly: for metrics and reports, never for storage.
    pub fn to_f64(&self) -> f64 {
        let m = self.mantissa as f64;
        let e = i32::from(self.exponent);
        let v = if e >= 0 {
            m * 10f64.powi(e)
        } else {
            m / 10f64.powi(-e)
        };
        if self.negative { -v } else { v }
    }

    /// Number of significant digits: 0 for zero, else 1..=38.
    pub fn significant_digits(&self) -> usize {
        usize::from(self.digits)
    }

    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    pub fn is_negative(&self) -> bool {
        self.negative
    }

    /// The mantissa without trailing zeros (0 for zero); the value is `±mantissa × 10^exponent`.
    pub fn mantissa(&self) -> u128 {
        self.mantissa
    }

    /// The exponent of the mantissa's last digit (0 for zero).
    pub fn exponent(&self) -> i32 {
        i32::from(self.exponent)
    }

    /// The exponent of the most significant digit (scientific notation); 0 for zero.
    fn adjusted_exponent(&self) -> i32 {
        i32::from(self.exponent) + i32::from(self.digits) - 1
    }

    pub fn abs(&self) -> Number {
        Number {
            negative: false,
            ..*self
        }
    }

    /// Exact `self + other`, with the service's error when the result has more than 38
    /// significant digits or leaves the range.
    pub fn checked_add(&self, other: &Number) -> Result<Number, DynamoError> {
        self.try_add(other).map_err(|e| e.to_dynamo_error(""))
    }

    /// Exact `self - other`; see [`Number::checked_add`].
    pub fn checked_sub(&self, other: &Number) -> Result<Number, DynamoError> {
        self.try_add(&-*other).map_err(|e| e.to_dynamo_error(""))
    }

    /// Exact addition without allocation.
    ///
    /// Both mantissas are aligned to the smaller exponent in a `u128`. When that overflows
    /// (or the sum does), the result cannot fit: the aligned value is above 3.4E38 while the
    /// other operand is below 1E38 and ends in a non-zero digit at the smaller exponent, so
    /// the exact result has at least 39 significant digits. As in the service, precision is
    /// checked before range.
    pub fn try_add(&self, other: &Number) -> Result<Number, NumberError> {
        if other.is_zero() {
            return Ok(*self);
        }
        if self.is_zero() {
            return Ok(*other);
        }
        let exponent = self.exponent.min(other.exponent);
        let align = |n: &Number| -> Option<u128> {
            let shift = usize::try_from(n.exponent - exponent).ok()?;
            n.mantissa.checked_mul(*POW10.get(shift)?)
        };
        let (Some(a), Some(b)) = (align(self), align(other)) else {
            return Err(NumberError::Precision);
        };
        let (negative, sum) = if self.negative == other.negative {
            (
                self.negative,
                a.checked_add(b).ok_or(NumberError::Precision)?,
            )
        } else if a >= b {
            (self.negative, a - b)
        } else {
            (other.negative, b - a)
        };
        Number::from_parts(negative, sum, i64::from(exponent))
    }

    /// Appends an encoding whose unsigned lexicographic order is the numeric order.
    ///
    /// Layout: a sign tag (negative < zero < positive); zero is the tag alone. Otherwise the
    /// exponent of the most significant digit plus 130 in one byte, then the digits in pairs
    /// from the most significant, the last pair padded with a zero digit; pair `p` is the byte
    /// `2p + 1`, or `2p` for the last pair. The digit bytes are thus prefix-free and a shorter
    /// digit string sorts before its extensions, as a decimal fraction does. Negative numbers
    /// invert the exponent and digit bytes. The encoding is self-delimiting (see
    /// [`Number::decode_ordered`]) and at most [`MAX_ENCODED_LEN`] bytes.
    pub fn encode_ordered(&self, out: &mut Vec<u8>) {
        let (buf, len) = self.encode_ordered_array();
        out.extend_from_slice(&buf[..len]);
    }

    /// [`Number::encode_ordered`] into a fixed buffer: the bytes are `buf[..len]`.
    pub fn encode_ordered_array(&self) -> ([u8; MAX_ENCODED_LEN], usize) {
        let mut out = [0u8; MAX_ENCODED_LEN];
        if self.is_zero() {
            out[0] = TAG_ZERO;
            return (out, 1);
        }
        let flip = if self.negative { 0xFF } else { 0x00 };
        out[0] = if self.negative {
            TAG_NEGATIVE
        } else {
            TAG_POSITIVE
        };
        // adjusted ∈ [-130, 125] by invariant, so this fits a byte.
        out[1] = ((self.adjusted_exponent() - MIN_EXPONENT) as u8) ^ flip;
        let mut buf = [0u8; MAX_DIGITS / 2];
        let pairs = write_pairs(self.mantissa, usize::from(self.digits), &mut buf);
        for (k, &pair) in buf[..pairs].iter().enumerate() {
            let byte = if k + 1 == pairs {
                2 * pair
            } else {
                2 * pair + 1
            };
            out[2 + k] = byte ^ flip;
        }
        (out, 2 + pairs)
    }

    /// Reads one number written by [`Number::encode_ordered`] from the start of `bytes`;
    /// returns it and the bytes consumed, or `None` if they are not a canonical encoding.
    pub fn decode_ordered(bytes: &[u8]) -> Option<(Number, usize)> {
        let negative = match *bytes.first()? {
            TAG_ZERO => return Some((Number::ZERO, 1)),
            TAG_POSITIVE => false,
            TAG_NEGATIVE => true,
            _ => return None,
        };
        let flip = if negative { 0xFF } else { 0x00 };
        let adjusted = i32::from(*bytes.get(1)? ^ flip) + MIN_EXPONENT;
        if adjusted > MAX_EXPONENT {
            return None;
        }
        let mut mantissa = 0u128;
        let mut pairs = 0usize;
        let last_pair;
        loop {
            let byte = *bytes.get(2 + pairs)? ^ flip;
            let pair = byte / 2;
            if pair > 99 || pairs == MAX_DIGITS / 2 || (pairs == 0 && pair < 10) {
                return None;
            }
            mantissa = mantissa * 100 + u128::from(pair);
            pairs += 1;
            if byte.is_multiple_of(2) {
                last_pair = pair;
                break;
            }
        }
        if last_pair == 0 {
            return None;
        }
        let mut digits = 2 * pairs;
        if last_pair.is_multiple_of(10) {
            mantissa /= 10;
            digits -= 1;
        }
        let number = Number {
            mantissa,
            exponent: (adjusted - digits as i32 + 1) as i16,
            digits: digits as u8,
            negative,
        };
        Some((number, 2 + pairs))
    }
}

/// Strips trailing decimal zeros; returns the rest and how many were removed.
fn strip_trailing_zeros(mut m: u128) -> (u128, u32) {
    debug_assert!(m != 0);
    let mut stripped = 0;
    while m > u128::from(u64::MAX) && m.is_multiple_of(10) {
        m /= 10;
        stripped += 1;
    }
    if let Ok(mut small) = u64::try_from(m) {
        while small.is_multiple_of(10) {
            small /= 10;
            stripped += 1;
        }
        m = u128::from(small);
    }
    (m, stripped)
}

fn decimal_len(m: u128) -> u32 {
    match u64::try_from(m) {
        Ok(0) => 0,
        Ok(small) => small.ilog10() + 1,
        Err(_) => m.ilog10() + 1,
    }
}

/// Writes the `n` decimal digits of `m` (< 10^38) as values 0..=9, most significant first.
/// One 128-bit division at most; the rest is 64-bit arithmetic.
fn write_digits(m: u128, n: usize, buf: &mut [u8; MAX_DIGITS]) {
    fn write_u64(mut v: u64, out: &mut [u8]) {
        for slot in out.iter_mut().rev() {
            *slot = (v % 10) as u8;
            v /= 10;
        }
    }
    if let Ok(small) = u64::try_from(m) {
        write_u64(small, &mut buf[..n]);
    } else {
        // m < 10^38, so both halves fit a u64.
        let (hi, lo) = ((m / POW10_19) as u64, (m % POW10_19) as u64);
        write_u64(hi, &mut buf[..n - 19]);
        write_u64(lo, &mut buf[n - 19..n]);
    }
}

/// Writes the base-100 digits of `m` (< 10^38 with `n` decimal digits, the last pair padded
/// with a zero digit), most significant first; returns how many.
fn write_pairs(m: u128, n: usize, buf: &mut [u8; MAX_DIGITS / 2]) -> usize {
    const POW10_18: u128 = 1_000_000_000_000_000_000;
    let pairs = n.div_ceil(2);
    // An odd count is padded on the right: n <= 37 then, so m × 10 < 10^38.
    let mut v = if n.is_multiple_of(2) { m } else { m * 10 };
    let mut k = pairs;
    while u64::try_from(v).is_err() {
        let mut low = (v % POW10_18) as u64;
        v /= POW10_18;
        for _ in 0..9 {
            k -= 1;
            buf[k] = (low % 100) as u8;
            low /= 100;
        }
    }
    let mut small = v as u64;
    while k > 0 {
        k -= 1;
        buf[k] = (small % 100) as u8;
        small /= 100;
    }
    pairs
}

impl Default for Number {
    fn default() -> Self {
        Number::ZERO
    }
}

impl std::ops::Neg for Number {
    type Output = Number;

    fn neg(self) -> Number {
        if self.is_zero() {
            self
        } else {
            Number {
                negative: !self.negative,
                ..self
            }
        }
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Self) -> Ordering {
        let sign = |n: &Number| -> i8 {
            if n.is_zero() {
                0
            } else if n.negative {
                -1
            } else {
                1
            }
        };
        match sign(self).cmp(&sign(other)) {
            Ordering::Equal if self.is_zero() => Ordering::Equal,
            Ordering::Equal => {
                let magnitude = self
                    .adjusted_exponent()
                    .cmp(&other.adjusted_exponent())
                    .then_with(|| {
                        // Same leading position: align both to the longer digit string. The
                        // scaled value keeps at most 38 digits, so it cannot overflow.
                        let (a, b) = (self.digits, other.digits);
                        if a >= b {
                            self.mantissa
                                .cmp(&(other.mantissa * POW10[usize::from(a - b)]))
                        } else {
                            (self.mantissa * POW10[usize::from(b - a)]).cmp(&other.mantissa)
                        }
                    });
                if self.negative {
                    magnitude.reverse()
                } else {
                    magnitude
                }
            }
            unequal => unequal,
        }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain notation, as the service returns numbers: no exponent, no trailing zeros after
    /// the point, no leading zeros but the one before the point.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.format(&mut [0u8; MAX_DISPLAY_LEN]))
    }
}

/// Longest plain form: `-0.` then 129 zeros and 38 digits.
const MAX_DISPLAY_LEN: usize = 3 + 129 + MAX_DIGITS;

impl Number {
    /// Writes the plain form into `buf` and returns it.
    fn format<'b>(&self, buf: &'b mut [u8; MAX_DISPLAY_LEN]) -> &'b str {
        if self.is_zero() {
            return "0";
        }
        let n = usize::from(self.digits);
        let mut digits = [0u8; MAX_DIGITS];
        write_digits(self.mantissa, n, &mut digits);
        for d in &mut digits[..n] {
            *d += b'0';
        }
        let digits = &digits[..n];
        let mut len = 0;
        let mut push = |bytes: &[u8]| {
            buf[len..len + bytes.len()].copy_from_slice(bytes);
            len += bytes.len();
        };
        if self.negative {
            push(b"-");
        }
        let e = i32::from(self.exponent);
        // Bounds: e <= 125, and a negative e leaves at most 129 zeros after the point.
        if e >= 0 {
            push(digits);
            for _ in 0..e {
                push(b"0");
            }
        } else {
            let frac = (-e) as usize;
            if frac < n {
                push(&digits[..n - frac]);
                push(b".");
                push(&digits[n - frac..]);
            } else {
                push(b"0.");
                for _ in 0..frac - n {
                    push(b"0");
                }
                push(digits);
            }
        }
        std::str::from_utf8(&buf[..len]).expect("ASCII")
    }
}
impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Number({self})")
    }
}

impl FromStr for Number {
    type Err = DynamoError;

    fn from_str(s: &str) -> Result<Number, DynamoError> {
        Number::parse(s)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number::from_i64(v)
    }
}

impl From<u64> for Number {
    fn from(v: u64) -> Number {
        Number::from_u64(v)
    }
}

impl From<i32> for Number {
    fn from(v: i32) -> Number {
        Number::from_i64(i64::from(v))
    }
}

impl From<u32> for Number {
    fn from(v: u32) -> Number {
        Number::from_u64(u64::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bigdecimal::BigDecimal;
    use proptest::prelude::*;
    use std::collections::hash_map::DefaultHasher;
    use std::hash::{Hash, Hasher};

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> NumberError {
        Number::try_parse(s).expect_err(s)
    }

    fn hash(v: &Number) -> u64 {
        let mut h = DefaultHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    fn encoded(v: &Number) -> Vec<u8> {
        let mut out = Vec::new();
        v.encode_ordered(&mut out);
        out
    }

    #[test]
    fn display_matches_the_service() {
        // Each pair was put and read back through DynamoDB Local.
        for (input, shown) in [
            ("1.50", "1.5"),
            ("0001", "1"),
            ("1E+2", "100"),
            ("1e-5", "0.00001"),
            ("-0", "0"),
            ("0", "0"),
            ("0.000", "0"),
            ("+5", "5"),
            (".5", "0.5"),
            ("5.", "5"),
            ("-.5", "-0.5"),
            ("1.e5", "100000"),
            ("+.5e-3", "0.0005"),
            ("-.0", "0"),
            ("1e-0", "1"),
            ("00.00e-0", "0"),
            ("0E500", "0"),
            ("0E-500", "0"),
            ("1e0000000000000000000000002", "100"),
            ("1.0000000000000000000000000000000000000000", "1"),
            ("00000000000000000000000000000000000000000000001", "1"),
            (
                "123456789012345678901234567890123456780000",
                "123456789012345678901234567890123456780000",
            ),
            (
                "12345678901234567890123456789012345678",
                "12345678901234567890123456789012345678",
            ),
        ] {
            assert_eq!(n(input).to_string(), shown, "{input}");
        }
        let big = n("1E125").to_string();
        assert_eq!(big.len(), 126);
        assert!(big.starts_with('1') && big[1..].bytes().all(|b| b == b'0'));
        let max = n("9.9999999999999999999999999999999999999E+125").to_string();
        assert_eq!(max, format!("{}{}", "9".repeat(38), "0".repeat(88)));
        assert_eq!(n("0.01E127").to_string(), big);
        let tiny = n("1E-130").to_string();
        assert_eq!(tiny, format!("0.{}1", "0".repeat(129)));
        assert_eq!(n("100E-132").to_string(), tiny);
        assert_eq!(n("-1E-130").to_string(), format!("-{tiny}"));
        let longest = n(&format!("-{}E-167", "1".repeat(38)));
        assert_eq!(longest.to_string().len(), MAX_DISPLAY_LEN);
        assert_eq!(
            longest.to_string(),
            format!("-0.{}{}", "0".repeat(129), "1".repeat(38))
        );
    }

    #[test]
    fn rejects_what_the_service_rejects() {
        for bad in [
            "abc",
            "NaN",
            "Infinity",
            "-Infinity",
            "0x10",
            " 1",
            "1 ",
            "",
            "-",
            "+",
            ".",
            "e5",
            ".e5",
            "1e",
            "1e+",
            "1.2.3",
            "+-1",
            "--1",
            "1E5.5",
            "1_000",
            "1d",
            "1f",
            "١",
            "1E2147483648",
            "1E-2147483649",
            "0.0E-2147483649",
            "1e9999999999",
        ] {
            assert_eq!(err(bad), NumberError::Syntax, "{bad:?}");
        }
        for (input, e) in [
            ("1E126", NumberError::Overflow),
            ("-1E126", NumberError::Overflow),
            ("10E125", NumberError::Overflow),
            (
                "99999999999999999999999999999999999999E89",
                NumberError::Overflow,
            ),
            ("1E2147483647", NumberError::Overflow),
            ("1E-131", NumberError::Underflow),
            ("-1e-131", NumberError::Underflow),
            (
                "123456789012345678901234567890123456789",
                NumberError::Precision,
            ),
            (
                "1234567890123456789012345678901234567890",
                NumberError::Precision,
            ),
            (
                "-1.23456789012345678901234567890123456789",
                NumberError::Precision,
            ),
            (
                "0.1234567890123456789012345678901234567890",
                NumberError::Precision,
            ),
            // Precision is checked before range, as in DynamoDB Local.
            (
                "1234567890123456789012345678901234567890E200",
                NumberError::Precision,
            ),
            (
                "1234567890123456789012345678901234567890E-200",
                NumberError::Precision,
            ),
        ] {
            assert_eq!(err(input), e, "{input}");
        }
        assert!(Number::try_parse("99999999999999999999999999999999999999E88").is_ok());
    }

    #[test]
    fn error_texts_are_the_services() {
        let msg = |s: &str| Number::parse(s).unwrap_err().message;
        assert_eq!(
            msg("abc"),
            "The parameter cannot be converted to a numeric value: abc"
        );
        assert_eq!(
            msg(""),
            "The parameter cannot be converted to a numeric value"
        );
        assert_eq!(
            msg("1E126"),
            "Number overflow. Attempting to store a number with magnitude larger than supported range"
        );
        assert_eq!(
            msg("1E-131"),
            "Number underflow. Attempting to store a number with magnitude smaller than supported range"
        );
        assert_eq!(
            msg("123456789012345678901234567890123456789"),
            "Attempting to store more than 38 significant digits in a Number"
        );
        let e = Number::parse("x").unwrap_err();
        assert_eq!(e.code, super::super::error::ErrorCode::ValidationException);
    }

    #[test]
    fn equality_and_hash_are_numeric() {
        let groups = [
            vec!["1.5", "1.50", "15E-1", "0.15e1", "+1.500000"],
            vec!["0", "-0", "0.000", "0E99", "-0.0e-5"],
            vec!["100", "1E2", "1e+2", "0.001E5", "100.000"],
            vec!["-7", "-7.0", "-70e-1"],
        ];
        for group in &groups {
            let first = n(group[0]);
            for s in group {
                assert_eq!(n(s), first, "{s}");
                assert_eq!(hash(&n(s)), hash(&first), "{s}");
                assert_eq!(n(s).cmp(&first), Ordering::Equal);
            }
        }
        assert_ne!(n("1"), n("-1"));
        assert_ne!(n("1"), n("10"));
    }

    #[test]
    fn arithmetic_matches_dynamodb_local() {
        let add = |a: &str, b: &str| n(a).try_add(&n(b));
        let sub = |a: &str, b: &str| n(a).checked_sub(&n(b));
        assert_eq!(add("1E+100", "1"), Err(NumberError::Precision));
        assert_eq!(
            sub("1E+100", "1").unwrap_err().message,
            "Attempting to store more than 38 significant digits in a Number"
        );
        let max = "9.9999999999999999999999999999999999999E+125";
        assert_eq!(add(max, "1E+88"), Err(NumberError::Overflow));
        assert_eq!(add(max, "1E+89"), Err(NumberError::Precision));
        assert_eq!(add(max, max), Err(NumberError::Precision));
        assert_eq!(add("1E-130", "-1E-130"), Ok(Number::ZERO));
        assert_eq!(sub("2E-130", "1E-130").unwrap(), n("1E-130"));
        assert_eq!(add("1", "1E-130"), Err(NumberError::Precision));
        assert_eq!(
            add("1", "1E-37").unwrap().to_string(),
            "1.0000000000000000000000000000000000001"
        );
        assert_eq!(add("1", "1E-38"), Err(NumberError::Precision));
        assert_eq!(
            add("12345678901234567890123456789012345678", "1")
                .unwrap()
                .to_string(),
            "12345678901234567890123456789012345679"
        );
        assert_eq!(
            add("99999999999999999999999999999999999999", "1")
                .unwrap()
                .to_string(),
            "100000000000000000000000000000000000000"
        );
        assert_eq!(
            add("99999999999999999999999999999999999999", "2"),
            Err(NumberError::Precision)
        );
        assert_eq!(add("0.5", "0.5").unwrap().to_string(), "1");
        assert_eq!(add("1.5", "-1.5").unwrap(), Number::ZERO);
        assert_eq!(sub("1.25", "1").unwrap().to_string(), "0.25");
        // Cancellation down to a tiny difference below the range.
        assert_eq!(
            sub("1.0000000000000000000000000000000000001E-130", "1E-130"),
            Err(DynamoError::validation(NumberError::Underflow.message("")))
        );
        // A large exponent gap that still cancels exactly.
        assert_eq!(
            add("1E38", "-99999999999999999999999999999999999999").unwrap(),
            n("1")
        );
        assert_eq!(sub("0", "5").unwrap(), n("-5"));
        assert_eq!(sub("5", "0").unwrap(), n("5"));
    }

    #[test]
    fn conversions() {
        assert_eq!(Number::from(0i64), Number::ZERO);
        assert_eq!(Number::from(-1200i64).to_string(), "-1200");
        assert_eq!(Number::from(i64::MIN).to_string(), i64::MIN.to_string());
        assert_eq!(Number::from(u64::MAX).to_string(), u64::MAX.to_string());
        assert_eq!(Number::from(7).to_string(), "7");
        assert_eq!(n("-9223372036854775808").to_i64(), Some(i64::MIN));
        assert_eq!(n("9223372036854775808").to_i64(), None);
        assert_eq!(n("1.5").to_i64(), None);
        assert_eq!(n("1E20").to_i64(), None);
        assert_eq!(n("1E125").to_i64(), None);
        assert_eq!(n("-120").to_i64(), Some(-120));
        assert_eq!(n("1.5").to_f64(), 1.5);
        assert_eq!(n("-2.5E-3").to_f64(), -0.0025);
        assert!((n("1E125").to_f64() / 1e125 - 1.0).abs() < 1e-12);
        assert_eq!(n("1.50").significant_digits(), 2);
        assert_eq!(n("0").significant_digits(), 0);
        assert_eq!(n("100").significant_digits(), 1);
        assert!(n("-0.0").is_zero());
        assert_eq!((-n("3")).to_string(), "-3");
        assert_eq!(-Number::ZERO, Number::ZERO);
        assert_eq!(n("-3").abs(), n("3"));
        assert_eq!("2.50".parse::<Number>().unwrap().to_string(), "2.5");
        assert_eq!(format!("{:?}", n("2.50")), "Number(2.5)");
    }

    #[test]
    fn ordered_encoding_examples() {
        assert_eq!(encoded(&Number::ZERO), vec![TAG_ZERO]);
        // 1 = 0.1 × 10^1: adjusted exponent 0 → 130; one pair "10", last → 20.
        assert_eq!(encoded(&n("1")), vec![TAG_POSITIVE, 130, 20]);
        // 123 → pairs 12, 30.
        assert_eq!(encoded(&n("123")), vec![TAG_POSITIVE, 132, 25, 60]);
        assert_eq!(encoded(&n("-1")), vec![TAG_NEGATIVE, !130, !20]);
        assert_eq!(encoded(&n(&"9".repeat(38))).len(), MAX_ENCODED_LEN);
        let sorted = [
            "-1E125", "-2", "-1.5", "-1", "-0.5", "-1E-130", "0", "1E-130", "0.5", "1", "1.05",
            "1.5", "2", "10", "1E125",
        ];
        for pair in sorted.windows(2) {
            assert!(n(pair[0]) < n(pair[1]), "{pair:?}");
            assert!(encoded(&n(pair[0])) < encoded(&n(pair[1])), "{pair:?}");
        }
    }

    #[test]
    fn decode_rejects_garbage() {
        assert_eq!(Number::decode_ordered(&[]), None);
        assert_eq!(Number::decode_ordered(&[0x7F]), None);
        assert_eq!(Number::decode_ordered(&[TAG_POSITIVE]), None);
        assert_eq!(Number::decode_ordered(&[TAG_POSITIVE, 130]), None);
        // Leading pair below 10 (a leading zero digit).
        assert_eq!(Number::decode_ordered(&[TAG_POSITIVE, 130, 2 * 5]), None);
        // Trailing zero pair.
        assert_eq!(Number::decode_ordered(&[TAG_POSITIVE, 130, 21, 0]), None);
        // Pair above 99.
        assert_eq!(Number::decode_ordered(&[TAG_POSITIVE, 130, 200]), None);
        // Every exponent byte is in range: 255 is 1E125.
        assert_eq!(
            Number::decode_ordered(&[TAG_POSITIVE, 255, 20]),
            Some((n("1E125"), 3))
        );
        // Trailing bytes are left for the caller.
        assert_eq!(
            Number::decode_ordered(&[TAG_POSITIVE, 130, 20, 99]),
            Some((n("1"), 3))
        );
    }

    /// Any valid number: a sign, 1..=38 digits without trailing zero, a leading position
    /// anywhere in the range; or zero.
    fn any_number() -> impl Strategy<Value = Number> {
        let nonzero = (
            any::<bool>(),
            proptest::collection::vec(0u8..10, 0..37),
            1u8..10,
            1u8..10,
            MIN_EXPONENT..=MAX_EXPONENT,
        )
            .prop_map(|(negative, middle, first, last, adjusted)| {
                let mut text = String::new();
                if negative {
                    text.push('-');
                }
                text.push(char::from(b'0' + first));
                text.push('.');
                for d in &middle {
                    text.push(char::from(b'0' + d));
                }
                text.push(char::from(b'0' + last));
                let text = format!("{text}E{adjusted}");
                Number::parse(&text).unwrap()
            });
        let small = any::<i64>().prop_map(Number::from_i64);
        prop_oneof![
            6 => nonzero,
            2 => small,
            1 => Just(Number::ZERO),
            1 => (any::<bool>(), 1u128..1000, -3i64..3).prop_map(|(neg, m, e)| {
                Number::from_parts(neg, m, e).unwrap()
            }),
        ]
    }

    fn big(v: &Number) -> BigDecimal {
        v.to_string().parse().unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn encoding_order_is_numeric_order(a in any_number(), b in any_number()) {
            prop_assert_eq!(encoded(&a).cmp(&encoded(&b)), a.cmp(&b));
        }

        #[test]
        fn order_matches_bigdecimal(a in any_number(), b in any_number()) {
            prop_assert_eq!(a.cmp(&b), big(&a).cmp(&big(&b)));
            prop_assert_eq!(a == b, big(&a) == big(&b));
        }

        #[test]
        fn decode_inverts_encode(a in any_number(), tail in proptest::collection::vec(any::<u8>(), 0..4)) {
            let mut bytes = encoded(&a);
            let len = bytes.len();
            prop_assert!(len <= MAX_ENCODED_LEN);
            let (array, array_len) = a.encode_ordered_array();
            prop_assert_eq!(&array[..array_len], &bytes[..]);
            bytes.extend_from_slice(&tail);
            prop_assert_eq!(Number::decode_ordered(&bytes), Some((a, len)));
        }

        #[test]
        fn display_round_trips(a in any_number()) {
            let text = a.to_string();
            prop_assert_eq!(Number::parse(&text).unwrap(), a);
            prop_assert!(!text.contains(['e', 'E']));
            prop_assert_eq!(big(&a).normalized(), text.parse::<BigDecimal>().unwrap().normalized());
        }

        #[test]
        fn scientific_spellings_are_equal(a in any_number(), extra_zeros in 0usize..5) {
            prop_assume!(!a.is_zero());
            // mantissa followed by zeros, exponent compensated, shifted by a decimal point.
            let digits = format!("{}{}", a.mantissa(), "0".repeat(extra_zeros));
            let exp = a.exponent() - extra_zeros as i32;
            let text = format!("{}{}E{}", if a.is_negative() { "-" } else { "+" }, digits, exp);
            let b = Number::parse(&text).unwrap();
            prop_assert_eq!(b, a);
            prop_assert_eq!(hash(&b), hash(&a));
        }

        #[test]
        fn addition_is_exact(a in any_number(), b in any_number()) {
            let exact = (big(&a) + big(&b)).normalized();
            match a.try_add(&b) {
                Ok(sum) => prop_assert_eq!(big(&sum).normalized(), exact),
                Err(e) => {
                    let (int, _) = exact.as_bigint_and_exponent();
                    let digits = int.to_string().trim_start_matches('-').len();
                    let expected = if digits > MAX_DIGITS {
                        NumberError::Precision
                    } else {
                        let text = exact.to_string();
                        Number::try_parse(&text).expect_err("in-range sums must succeed")
                    };
                    prop_assert_eq!(e, expected);
                }
            }
            prop_assert_eq!(a.try_add(&b), b.try_add(&a));
        }

        #[test]
        fn subtraction_is_addition_of_the_negation(a in any_number(), b in any_number()) {
            prop_assert_eq!(a.checked_sub(&b), a.checked_add(&-b));
            if let Ok(d) = a.checked_sub(&b) {
                prop_assert_eq!(big(&d).normalized(), (big(&a) - big(&b)).normalized());
            }
        }

        #[test]
        fn parse_never_panics(s in "[-+0-9.eE]{0,50}") {
            let _ = Number::try_parse(&s);
        }

        #[test]
        fn integers_round_trip(v in any::<i64>()) {
            let x = Number::from_i64(v);
            prop_assert_eq!(x.to_i64(), Some(v));
            prop_assert_eq!(x.to_string(), v.to_string());
        }
    }
}
