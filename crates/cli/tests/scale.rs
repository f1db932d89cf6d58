//! `kaifaqu demo --scale`, run as an operator would: the same seed prints the same digest, a
//! database that already holds zones is refused, an unknown scale is named in the error.

use std::process::{Command, Output};

fn kaifaqu(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaifaqu"))
        .args(args)
        .current_dir(dir)
        .env_remove("KAIFAQU_DATABASE_URL")
        .env_remove("KAIFAQU_CONFIG")
        .env("KAIFAQU_DEMO_PASSWORD", "Scale#Test1")
        .env("KAIFAQU_LOG", "warn")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn digest(o: &Output) -> String {
    let t = text(o);
    t.lines().find(|l| l.contains("摘要：")).unwrap_or_else(|| panic!("no digest in {t}")).trim().to_string()
}

#[test]
fn scale_generation_is_deterministic_and_refuses_a_used_database() {
    let dir = tempfile::tempdir().unwrap();
    let a = kaifaqu(dir.path(), &["--database", "sqlite://a.db", "demo", "--scale", "tiny", "--seed", "7"]);
    assert!(a.status.success(), "{}", text(&a));
    let t = text(&a);
    assert!(t.contains("合计") && t.contains("行/秒") && t.contains("z0001_admin"), "{t}");
    assert!(t.contains("Scale#Test1"), "the password is printed: {t}");
    let b = kaifaqu(dir.path(), &["--database", "sqlite://b.db", "demo", "--scale", "tiny", "--seed", "7"]);
    assert!(b.status.success(), "{}", text(&b));
    assert_eq!(digest(&a), digest(&b));
    let again = kaifaqu(dir.path(), &["--database", "sqlite://a.db", "demo", "--scale", "tiny", "--seed", "7"]);
    assert!(!again.status.success());
    assert!(text(&again).contains("空数据库"), "{}", text(&again));
    let bad = kaifaqu(dir.path(), &["--database", "sqlite://c.db", "demo", "--scale", "galaxy"]);
    assert!(!bad.status.success());
    assert!(text(&bad).contains("未知的规模“galaxy”"), "{}", text(&bad));
}
