//! `hrss shell` driven through a pipe: multi-line statements, backslash commands, errors that do not
//! end the session, and the history file.

use crate::support::{hrss_with_input, scratch, Demo};

#[test]
fn shell_runs_statements_and_commands_and_survives_errors() {
    let demo = Demo::get();
    let dir = scratch("shell");
    let history = dir.join("history");
    let input = "SELECT fund,\n       count(*) AS months\n  FROM marts.fund_monthly\n GROUP BY fund ORDER BY fund;\n\
                 SELECT nope FROM marts.fund_monthly;\n\
                 \\d\n\
                 \\d fund_monthly\n\
                 \\d fund_montly\n\
                 \\format csv\n\
                 SELECT 40 + 2 AS answer;\n\
                 \\bogus\n\
                 \\q\n\
                 SELECT 'after quit' AS never;\n";
    let output = hrss_with_input(
        &["--warehouse", &demo.warehouse().to_string_lossy(), "shell", "--history", &history.to_string_lossy()],
        input,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");

    // The multi-line statement ran as one.
    assert!(stdout.contains("| enterprise_pension  | 120    |"), "{stdout}");
    // The error was reported and the session went on.
    assert!(stderr.contains("No field named nope"), "{stderr}");
    // \d lists tables with kind and description; \d NAME shows columns with types and docs.
    assert!(stdout.lines().any(|l| l.contains("| marts ") && l.contains("| fund_monthly ") && l.contains("| table ")), "{stdout}");
    assert!(stdout.lines().any(|l| l.contains("| staging ") && l.contains("| contributions ") && l.contains("| source ")), "{stdout}");
    assert!(stdout.contains("marts.fund_monthly (table: Monthly fund revenue"), "{stdout}");
    assert!(stdout.lines().any(|l| l.contains("| months_of_payment_capacity ") && l.contains("Float64") && l.contains("可支付月数")), "{stdout}");
    assert!(stderr.contains("no table `fund_montly`; did you mean `marts.fund_monthly`?"), "{stderr}");
    // \format switched the output; unknown commands are named; \q ended the session.
    assert!(stdout.contains("answer\n42\n"), "{stdout}");
    assert!(stderr.contains("unknown command `\\bogus`"), "{stderr}");
    assert!(!stdout.contains("after quit"), "{stdout}");

    let saved = std::fs::read_to_string(&history).expect("history saved");
    assert!(saved.contains("SELECT 40 + 2 AS answer;") && saved.contains("\\d fund_monthly"), "{saved}");
}
