//! Cost of the card-data guard on an 8 KiB body without card data (target: ≤ 50 µs), and of
//! one throttled card attempt.

use std::hint::black_box;
use std::net::IpAddr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gmo_core::guard::{CardDataGuard, CardTestingThrottle, GuardConfig, ThrottleConfig};

/// Percent-encodes like a browser's form submission.
fn percent(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The fields of a busy checkout form (with a cart), repeated until the body is `size` bytes.
fn fields(size: usize) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    let mut total = 0;
    let mut i = 0u32;
    while total < size {
        let batch = [
            (
                format!("items[{i}][jan]"),
                format!("49{:011}", 12_345_678_901u64 + u64::from(i)),
            ),
            (
                format!("items[{i}][name]"),
                "有機栽培コーヒー豆 200g（中挽き）".to_owned(),
            ),
            (format!("items[{i}][quantity]"), (i % 5 + 1).to_string()),
            (format!("items[{i}][price]"), format!("{}", 1200 + i * 10)),
            ("OrderID".to_owned(), format!("order-20261127-{i:04}")),
            ("tel".to_owned(), "090-1234-5678".to_owned()),
            ("zip".to_owned(), "150-0001".to_owned()),
            (
                "address".to_owned(),
                "東京都渋谷区神宮前1-2-3 青山ビル4F".to_owned(),
            ),
            ("email".to_owned(), "hanako.yamada@example.jp".to_owned()),
            (
                "token".to_owned(),
                "9cAWlFdYmSlNWN46L5WEPEBuS87endP09Ve+g7eyj5TYWlYjkqttQPAVXBWWcRN7K5w6YBIaKk=="
                    .to_owned(),
            ),
            (
                "AccessID".to_owned(),
                "a1b2c3d4e5f60718293a4b5c6d7e8f90".to_owned(),
            ),
            ("TranDate".to_owned(), "20261127123456".to_owned()),
            (
                "note".to_owned(),
                "置き配希望。不在時は宅配ボックスへお願いします。".to_owned(),
            ),
        ];
        for (k, v) in batch {
            total += k.len() + percent(&v).len() + 2;
            fields.push((k, v));
        }
        i += 1;
    }
    fields
}

fn form_body(size: usize) -> Vec<u8> {
    let body: Vec<String> = fields(size)
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect();
    let mut body = body.join("&").into_bytes();
    body.truncate(size);
    body
}

fn json_body(size: usize) -> Vec<u8> {
    let mut body = String::from("{\"items\":[");
    let mut i = 0;
    while body.len() < size - 200 {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"jan":"49{:011}","name":"有機栽培コーヒー豆 200g","quantity":{},"price":{},"added_at":{}}}"#,
            12_345_678_901u64 + i,
            i % 5 + 1,
            1200 + i * 10,
            1_764_212_345_678u64 + i
        ));
        i += 1;
    }
    body.push_str(r#"],"OrderID":"order-20261127-0001","tel":"090-1234-5678","token":"9cAWlFdYmSlNWN46L5WEPEBuS87endP09Ve"}"#);
    body.into_bytes()
}

fn card_data_guard(c: &mut Criterion) {
    let guard = CardDataGuard::new(GuardConfig::default());
    let form = form_body(8 * 1024);
    assert_eq!(form.len(), 8 * 1024);
    let json = json_body(8 * 1024);
    let form_type = Some("application/x-www-form-urlencoded");
    assert!(guard.check_body(form_type, &form).is_ok());
    assert!(guard.check_body(Some("application/json"), &json).is_ok());

    let mut group = c.benchmark_group("card_data_guard");
    group.throughput(Throughput::Bytes(form.len() as u64));
    group.bench_function("form_8KiB", |b| {
        b.iter(|| guard.check_body(black_box(form_type), black_box(&form)))
    });
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("json_8KiB", |b| {
        b.iter(|| guard.check_body(black_box(Some("application/json")), black_box(&json)))
    });
    group.bench_function("text_8KiB_no_type", |b| {
        b.iter(|| guard.check_body(black_box(None), black_box(&form)))
    });
    group.finish();
}

fn throttle(c: &mut Criterion) {
    let throttle = CardTestingThrottle::new(ThrottleConfig::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let ips: Vec<IpAddr> = (0..10_000u32)
        .map(|i| IpAddr::from(i.to_be_bytes()))
        .collect();
    let customers: Vec<String> = (0..10_000).map(|i| format!("member-{i}")).collect();
    let mut n = 0;
    c.bench_function("throttle_attempt_succeeded", |b| {
        b.iter(|| {
            n = (n + 1) % ips.len();
            runtime.block_on(async {
                if let Ok(permit) = throttle
                    .try_begin_attempt(Some(&customers[n]), Some(ips[n]))
                    .await
                {
                    permit.succeeded().await;
                }
            });
        })
    });
}

criterion_group!(benches, card_data_guard, throttle);
criterion_main!(benches);
