//! The scam guard's rules: what in a message to a seeker looks like
//! someone after their money or their accounts. Pure text rules, no I/O;
//! who is screened (volunteers writing to a seeker, never support) is the
//! server's decision.
//!
//! A message is read twice. Once as written, for numbers: a card number
//! (13–19 digits, spaces or dashes allowed, passing the Luhn check), an
//! IBAN (checked with its country's format and check digits), or a phone
//! number (7–15 digits). Once folded (lower case, accents dropped, every
//! run of punctuation and space made one space), for phrases, matched as
//! whole words in English, Spanish and French. A bare amount of money is a
//! sign only beside a word that asks for it ("send", "need", "lend"…), so
//! "I paid £3 for the bus" is not; "bank" is a sign only with "details",
//! "account" and the like, so "my bank holiday plans" is not.

use crate::wire::wire_enum;
use aho_corasick::{AhoCorasick, MatchKind};
use std::str::FromStr;
use std::sync::LazyLock;

wire_enum!(
    /// One kind of thing a scammer asks for.
    ScamSign {
        /// Money, a transfer, a loan.
        Money = "money",
        /// Bank or card details: account numbers, sort codes, a card's code.
        BankDetails = "bank_details",
        /// A card number (it passes the Luhn check).
        CardNumber = "card_number",
        /// An IBAN (its check digits are right).
        Iban = "iban",
        /// Gift cards or vouchers.
        GiftCard = "gift_card",
        /// A PIN, a password, a one-time code.
        Secret = "secret",
        /// Cryptocurrency.
        Crypto = "crypto",
        /// Moving the conversation to another app.
        OtherApp = "other_app",
        /// A phone number to call or text instead.
        PhoneNumber = "phone_number"
    }
);

/// Phrases, folded (see [`fold`]), and what each is a sign of.
const PHRASES: &[(&str, ScamSign)] = &[
    // Money: asked for outright.
    ("send me money", ScamSign::Money),
    ("send money", ScamSign::Money),
    ("send me some money", ScamSign::Money),
    ("send me cash", ScamSign::Money),
    ("lend me", ScamSign::Money),
    ("loan me", ScamSign::Money),
    ("borrow some money", ScamSign::Money),
    ("wire the money", ScamSign::Money),
    ("wire me", ScamSign::Money),
    ("transfer the money", ScamSign::Money),
    ("transfer money", ScamSign::Money),
    ("bank transfer", ScamSign::Money),
    ("western union", ScamSign::Money),
    ("moneygram", ScamSign::Money),
    ("paypal me", ScamSign::Money),
    ("enviame dinero", ScamSign::Money),
    ("envia dinero", ScamSign::Money),
    ("mandame dinero", ScamSign::Money),
    ("prestame", ScamSign::Money),
    ("transferencia", ScamSign::Money),
    ("envoyez moi de l argent", ScamSign::Money),
    ("envoie moi de l argent", ScamSign::Money),
    ("envoyer de l argent", ScamSign::Money),
    ("pretez moi", ScamSign::Money),
    ("prete moi", ScamSign::Money),
    ("virement", ScamSign::Money),
    // Bank and card details.
    ("bank details", ScamSign::BankDetails),
    ("bank account", ScamSign::BankDetails),
    ("account number", ScamSign::BankDetails),
    ("sort code", ScamSign::BankDetails),
    ("routing number", ScamSign::BankDetails),
    ("online banking", ScamSign::BankDetails),
    ("card details", ScamSign::BankDetails),
    ("card number", ScamSign::BankDetails),
    ("long number on your card", ScamSign::BankDetails),
    ("cvv", ScamSign::BankDetails),
    ("cvc", ScamSign::BankDetails),
    ("three digits on the back", ScamSign::BankDetails),
    ("datos bancarios", ScamSign::BankDetails),
    ("numero de cuenta", ScamSign::BankDetails),
    ("cuenta bancaria", ScamSign::BankDetails),
    ("numero de tarjeta", ScamSign::BankDetails),
    ("datos de la tarjeta", ScamSign::BankDetails),
    ("coordonnees bancaires", ScamSign::BankDetails),
    ("numero de compte", ScamSign::BankDetails),
    ("compte bancaire", ScamSign::BankDetails),
    ("numero de carte", ScamSign::BankDetails),
    // Gift cards.
    ("gift card", ScamSign::GiftCard),
    ("gift cards", ScamSign::GiftCard),
    ("giftcard", ScamSign::GiftCard),
    ("itunes card", ScamSign::GiftCard),
    ("itunes cards", ScamSign::GiftCard),
    ("google play card", ScamSign::GiftCard),
    ("google play cards", ScamSign::GiftCard),
    ("steam card", ScamSign::GiftCard),
    ("steam cards", ScamSign::GiftCard),
    ("amazon voucher", ScamSign::GiftCard),
    ("voucher code", ScamSign::GiftCard),
    ("tarjeta regalo", ScamSign::GiftCard),
    ("tarjetas regalo", ScamSign::GiftCard),
    ("tarjeta de regalo", ScamSign::GiftCard),
    ("carte cadeau", ScamSign::GiftCard),
    ("cartes cadeaux", ScamSign::GiftCard),
    // Secrets.
    ("your pin", ScamSign::Secret),
    ("pin number", ScamSign::Secret),
    ("pin code", ScamSign::Secret),
    ("your password", ScamSign::Secret),
    ("passcode", ScamSign::Secret),
    ("verification code", ScamSign::Secret),
    ("one time code", ScamSign::Secret),
    ("security code", ScamSign::Secret),
    ("otp", ScamSign::Secret),
    ("tu pin", ScamSign::Secret),
    ("codigo pin", ScamSign::Secret),
    ("contrasena", ScamSign::Secret),
    ("codigo de verificacion", ScamSign::Secret),
    ("code pin", ScamSign::Secret),
    ("ton code", ScamSign::Secret),
    ("votre code", ScamSign::Secret),
    ("mot de passe", ScamSign::Secret),
    ("code de verification", ScamSign::Secret),
    // Crypto.
    ("bitcoin", ScamSign::Crypto),
    ("bitcoins", ScamSign::Crypto),
    ("btc", ScamSign::Crypto),
    ("crypto", ScamSign::Crypto),
    ("cryptocurrency", ScamSign::Crypto),
    ("ethereum", ScamSign::Crypto),
    ("usdt", ScamSign::Crypto),
    ("wallet address", ScamSign::Crypto),
    ("binance", ScamSign::Crypto),
    ("coinbase", ScamSign::Crypto),
    ("criptomoneda", ScamSign::Crypto),
    ("criptomonedas", ScamSign::Crypto),
    ("cryptomonnaie", ScamSign::Crypto),
    // Other apps.
    ("whatsapp", ScamSign::OtherApp),
    ("telegram", ScamSign::OtherApp),
    ("viber", ScamSign::OtherApp),
    ("wechat", ScamSign::OtherApp),
    ("skype", ScamSign::OtherApp),
    ("snapchat", ScamSign::OtherApp),
    ("messenger", ScamSign::OtherApp),
    ("signal app", ScamSign::OtherApp),
    ("on signal", ScamSign::OtherApp),
    ("hangouts", ScamSign::OtherApp),
    ("text me on", ScamSign::OtherApp),
    ("text me at", ScamSign::OtherApp),
    ("call me on", ScamSign::OtherApp),
    ("call me at", ScamSign::OtherApp),
    ("my personal number", ScamSign::OtherApp),
    ("email me at", ScamSign::OtherApp),
    ("escribeme por", ScamSign::OtherApp),
    ("llamame al", ScamSign::OtherApp),
    ("ecris moi sur", ScamSign::OtherApp),
    ("appelle moi au", ScamSign::OtherApp),
    ("appelez moi au", ScamSign::OtherApp),
];

/// Words that make a nearby amount of money a request.
const ASKING: &[&str] = &[
    "send",
    "transfer",
    "wire",
    "lend",
    "loan",
    "need",
    "borrow",
    "owe",
    "pay",
    "envia",
    "enviame",
    "manda",
    "mandame",
    "transfiere",
    "presta",
    "prestame",
    "necesito",
    "debes",
    "envoie",
    "envoyez",
    "envoyer",
    "virer",
    "prete",
    "pretez",
    "besoin",
    "dois",
];

/// Words that make a number an amount of money.
const CURRENCY_WORDS: &[&str] = &[
    "pounds", "pound", "quid", "dollars", "dollar", "euros", "euro", "bucks", "libras", "dolares",
    "pesos",
];

static PHRASE_MATCHER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    let padded: Vec<String> = PHRASES.iter().map(|(p, _)| format!(" {p} ")).collect();
    AhoCorasick::builder()
        .match_kind(MatchKind::Standard)
        .build(padded)
        .ok()
});

/// Every sign in `text`, each once, in [`ScamSign`] order.
pub fn signs(text: &str) -> Vec<ScamSign> {
    let mut found = Vec::new();
    let folded = fold(text);
    if let Some(matcher) = PHRASE_MATCHER.as_ref() {
        for hit in matcher.find_overlapping_iter(&folded) {
            found.push(PHRASES[hit.pattern().as_usize()].1);
        }
    }
    if asks_for_an_amount(text, &folded) {
        found.push(ScamSign::Money);
    }
    numbers(text, &mut found);
    found.sort_by_key(|s| *s as u8);
    found.dedup();
    found
}

/// `text` in lower case without accents, every run of anything but letters
/// and digits one space, with a space at each end (so phrases match whole
/// words as `" phrase "`).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = unaccented(c);
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

/// The letter without its accent, for the accents of the languages the
/// phrases are in.
fn unaccented(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ñ' => 'n',
        'ç' => 'c',
        // Apostrophes join nothing: "l'argent" reads "l argent".
        _ => c,
    }
}

/// An amount of money (a currency sign beside a digit, or a number
/// followed by a currency word) in a message with a word that asks.
fn asks_for_an_amount(text: &str, folded: &str) -> bool {
    let words: Vec<&str> = folded.split_whitespace().collect();
    if !words.iter().any(|w| ASKING.contains(w)) {
        return false;
    }
    // A currency sign with a digit beside it, a space between allowed.
    let chars: Vec<char> = text.chars().filter(|c| *c != ' ').collect();
    let sign_by_digit = chars.iter().enumerate().any(|(i, c)| {
        matches!(c, '£' | '$' | '€' | '¥' | '₹')
            && (chars.get(i + 1).is_some_and(char::is_ascii_digit)
                || (i > 0 && chars[i - 1].is_ascii_digit()))
    });
    sign_by_digit
        || words.windows(2).any(|pair| {
            pair[0].chars().all(|c| c.is_ascii_digit()) && CURRENCY_WORDS.contains(&pair[1])
        })
}

/// Card numbers, IBANs and phone numbers in `text`.
fn numbers(text: &str, found: &mut Vec<ScamSign>) {
    let ibans = iban_spans(text);
    if !ibans.is_empty() {
        found.push(ScamSign::Iban);
    }
    for (start, run) in digit_runs(text) {
        // An IBAN's digit groups are not a phone number, nor is a date.
        if ibans.iter().any(|(s, e)| start >= *s && start < *e) || is_date(run) {
            continue;
        }
        let digits: String = run.chars().filter(char::is_ascii_digit).collect();
        match digits.len() {
            13..=19 if luhn::valid(&digits) => found.push(ScamSign::CardNumber),
            7..=15 => found.push(ScamSign::PhoneNumber),
            _ => {}
        }
    }
}

/// Whether `run` is a date written with dashes or dots (`2026-12-08`,
/// `08.12.2026`, `8-12-26`), not a number to call.
fn is_date(run: &str) -> bool {
    let parts: Vec<&str> = run.split(['-', '.']).collect();
    let lengths: Vec<usize> = parts.iter().map(|p| p.len()).collect();
    parts.len() == 3
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()))
        && matches!(
            lengths.as_slice(),
            [4, 1..=2, 1..=2] | [1..=2, 1..=2, 2] | [1..=2, 1..=2, 4]
        )
}

/// Runs of digits joined by single spaces, dashes, dots or brackets, with
/// an optional leading `+` (how people write card and phone numbers). A
/// run next to letters (an IBAN's tail, a postcode) is not taken.
fn digit_runs(text: &str) -> Vec<(usize, &str)> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let starts = bytes[i].is_ascii_digit()
            || (matches!(bytes[i], b'+' | b'(')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit));
        if !starts || (i > 0 && bytes[i - 1].is_ascii_alphanumeric()) {
            i += 1;
            continue;
        }
        let start = i;
        let mut end = i + 1;
        let mut j = i + 1;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() || bytes[j] == b')' {
                j += 1;
                end = j;
            } else if matches!(bytes[j], b' ' | b'-' | b'.' | b'(')
                && bytes.get(j + 1).is_some_and(u8::is_ascii_digit)
            {
                j += 1;
            } else {
                break;
            }
        }
        let glued = bytes.get(end).is_some_and(u8::is_ascii_alphabetic);
        if !glued {
            runs.push((start, &text[start..end]));
        }
        i = end.max(i + 1);
    }
    runs
}

/// Where `text` holds IBANs (byte ranges): two letters and two digits,
/// then letters and digits (in groups or not) that the IBAN rules accept.
fn iban_spans(text: &str) -> Vec<(usize, usize)> {
    let upper = text.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i + 3 < bytes.len() {
        let head = bytes[i].is_ascii_uppercase()
            && bytes[i + 1].is_ascii_uppercase()
            && bytes[i + 2].is_ascii_digit()
            && bytes[i + 3].is_ascii_digit()
            && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
        match head.then(|| iban_at(&upper[i..])).flatten() {
            Some(length) => {
                spans.push((i, i + length));
                i += length;
            }
            None => i += 1,
        }
    }
    spans
}

/// The length in bytes of the IBAN at the start of `text` (upper case),
/// if one is there.
fn iban_at(text: &str) -> Option<usize> {
    let mut compact = String::with_capacity(34);
    // For each length of `compact`, where it ends in `text`.
    let mut ends = Vec::new();
    for (at, c) in text.char_indices() {
        if c.is_ascii_alphanumeric() {
            compact.push(c);
            ends.push(at + 1);
            if compact.len() == 34 {
                break;
            }
        } else if c != ' ' {
            break;
        }
    }
    // The shortest IBAN (Norway) has 15 characters.
    (15..=compact.len())
        .rev()
        .find(|n| iban::Iban::from_str(&compact[..*n]).is_ok())
        .map(|n| ends[n - 1])
}

#[cfg(test)]
mod tests {
    use super::ScamSign::*;
    use super::*;

    /// Each case: a message, and the signs it must show (none for a near
    /// miss).
    const CASES: &[(&str, &[ScamSign])] = &[
        // English.
        ("Could you send me money for my train home?", &[Money]),
        ("I need £200 to fix my car, I'll pay you back", &[Money]),
        ("Can you lend me 50 pounds?", &[Money]),
        ("Please use Western Union, it's quicker", &[Money]),
        (
            "What are your bank details? I'll put the refund in",
            &[BankDetails],
        ),
        (
            "Just read me the long number on your card and the CVV",
            &[BankDetails],
        ),
        ("My sort code is wrong, what's yours?", &[BankDetails]),
        ("4539 1488 0343 6467", &[CardNumber]),
        (
            "Put it in ES91 2100 0418 4502 0005 1332 and call me on 600 123 456",
            &[Iban, OtherApp, PhoneNumber],
        ),
        ("card: 4539-1488-0343-6467 exp 12/27", &[CardNumber]),
        ("Pay into GB82 WEST 1234 5698 7654 32 today", &[Iban]),
        ("DE89370400440532013000", &[Iban]),
        ("Buy two iTunes cards and read me the codes", &[GiftCard]),
        ("Get some gift cards from the shop for me", &[GiftCard]),
        ("What is your PIN?", &[Secret]),
        ("Tell me the verification code you just got", &[Secret]),
        ("I need your password to fix the computer", &[Secret]),
        ("Invest in Bitcoin with me, it doubles", &[Crypto]),
        ("Let's talk on WhatsApp instead", &[OtherApp]),
        ("Text me on 07700 900123 instead", &[OtherApp, PhoneNumber]),
        ("My number is +44 7700 900123", &[PhoneNumber]),
        // Spanish.
        ("Por favor, envíame dinero para el alquiler", &[Money]),
        ("¿Me das tus datos bancarios?", &[BankDetails]),
        ("Necesito 300 euros hoy", &[Money]),
        ("Compra una tarjeta regalo y dame el código", &[GiftCard]),
        ("Dime tu contraseña del banco", &[Secret]),
        ("Escríbeme por Telegram", &[OtherApp]),
        // French.
        ("Pouvez-vous m'envoyer de l'argent ?", &[Money]),
        ("Donnez-moi vos coordonnées bancaires", &[BankDetails]),
        ("J'ai besoin de 500 € demain", &[Money]),
        ("Achetez une carte cadeau", &[GiftCard]),
        ("Quel est votre mot de passe ?", &[Secret]),
        // Near misses: nothing.
        ("I paid for the bus", &[]),
        ("I paid £3 for the bus this morning", &[]),
        ("What are my bank holiday plans? Seeing my grandson!", &[]),
        ("The bank on the corner closed down", &[]),
        ("Send me a photo of the garden", &[]),
        ("I need to pick up my pension at 10:30", &[]),
        ("See you on 12/03/2026 at 3pm", &[]),
        ("The bus is number 73", &[]),
        ("My postcode is SW1A 1AA", &[]),
        ("It cost 20 pounds but it was worth it", &[]),
        ("I pinned the photo on the fridge", &[]),
        ("Pagué el autobús", &[]),
        ("Me senté en el banco del parque", &[]),
        ("J'ai payé le bus", &[]),
        ("Mes vacances à la banque de France, quelle histoire", &[]),
        ("The year 2026 was good", &[]),
        ("The appointment is on 2026-12-08 at the surgery", &[]),
        ("Am 08.12.2026 komme ich vorbei", &[]),
        ("See you 8-12-26", &[]),
        // Sixteen digits failing the Luhn check: neither a card nor a phone.
        ("4539 1488 0343 6468", &[]),
        ("Come for a cup of tea, and pay me a visit soon", &[]),
    ];

    #[test]
    fn the_table() {
        for (text, want) in CASES {
            assert_eq!(signs(text), *want, "{text:?}");
        }
    }

    #[test]
    fn folding_drops_case_accents_and_punctuation() {
        assert_eq!(fold("Envíame   DINERO!!"), " enviame dinero ");
        assert_eq!(fold("l'argent"), " l argent ");
        assert_eq!(fold(""), " ");
    }

    #[test]
    fn an_empty_message_shows_nothing() {
        assert!(signs("").is_empty());
        assert!(signs("   ").is_empty());
    }
}
