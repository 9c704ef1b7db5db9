//! Answer quality on the public question sets: floors on the shipped
//! knowledge base, and regression floors on the two foreign corpora.
//! `careerbot eval tests/questions/*.toml` prints the same figures.

mod support;

use careerbot::eval::{evaluate, QuestionSet, Scores};
use support::{corpus_dir, load, root, seed};

fn set(name: &str) -> QuestionSet {
    QuestionSet::from_file(&root().join("tests/questions").join(name)).expect("question set")
}

fn report(name: &str, scores: &Scores) -> String {
    let misses: Vec<String> = scores
        .misses
        .iter()
        .map(|m| {
            format!(
                "  {} {:?} (first: {:?})",
                if m.rank == 0 {
                    "miss".to_string()
                } else {
                    format!("rank {}", m.rank)
                },
                m.question,
                m.first
            )
        })
        .collect();
    format!(
        "{name}: hit@1 {:.3}, hit@3 {:.3}, declined {:.3}\n{}",
        scores.hit_at_1,
        scores.hit_at_3,
        scores.declined,
        misses.join("\n")
    )
}

#[test]
fn seed_question_set_is_big_enough_to_mean_something() {
    let set = set("seed.toml");
    assert!(set.questions.len() >= 60, "{}", set.questions.len());
    assert!(set.out_of_scope.len() >= 10);
    assert!(set.questions.iter().all(|q| !q.expect.is_empty()));
}

#[test]
fn seed_knowledge_base_meets_the_quality_floors() {
    let scores = evaluate(seed(), &set("seed.toml"));
    let summary = report("seed", &scores);
    assert!(scores.hit_at_1 >= 0.86, "{summary}");
    assert!(scores.hit_at_3 >= 0.95, "{summary}");
    assert_eq!(
        scores.declined, 1.0,
        "every out-of-scope question is declined\n{summary}"
    );
}

#[test]
fn tech_interview_handbook_answers_without_edits() {
    let engine = load(&corpus_dir("tech-interview-handbook"));
    let scores = evaluate(&engine, &set("tech-interview-handbook.toml"));
    let summary = report("tech-interview-handbook", &scores);
    // Regression floors, at or below the figures in the README.
    assert!(scores.hit_at_1 >= 0.6, "{summary}");
    assert!(scores.hit_at_3 >= 0.85, "{summary}");
    assert_eq!(scores.declined, 1.0, "{summary}");
}

#[test]
fn system_design_primer_answers_without_edits() {
    let engine = load(&corpus_dir("system-design-primer"));
    let scores = evaluate(&engine, &set("system-design-primer.toml"));
    let summary = report("system-design-primer", &scores);
    assert!(scores.hit_at_1 >= 0.8, "{summary}");
    assert!(scores.hit_at_3 >= 0.95, "{summary}");
    assert!(scores.declined >= 0.8, "{summary}");
}

#[test]
fn git_novice_lesson_answers_without_edits() {
    // A multi-file lesson with repeated callouts and headings.
    let engine = load(&corpus_dir("git-novice"));
    let scores = evaluate(&engine, &set("git-novice.toml"));
    let summary = report("git-novice", &scores);
    assert!(scores.hit_at_1 >= 0.3, "{summary}");
    assert!(scores.hit_at_3 >= 0.5, "{summary}");
    assert_eq!(scores.declined, 1.0, "{summary}");
}

#[test]
fn coding_interview_university_answers_without_edits() {
    // One long README, mostly lists of links.
    let engine = load(&corpus_dir("coding-interview-university"));
    let scores = evaluate(&engine, &set("coding-interview-university.toml"));
    let summary = report("coding-interview-university", &scores);
    assert!(scores.hit_at_1 >= 0.6, "{summary}");
    assert!(scores.hit_at_3 >= 0.75, "{summary}");
    assert!(scores.declined >= 0.8, "{summary}");
}

#[test]
fn held_out_questions_written_blind_stay_close_to_the_floors() {
    let scores = evaluate(seed(), &set("holdout-seed.toml"));
    let summary = report("holdout-seed", &scores);
    assert!(scores.hit_at_1 >= 0.8, "{summary}");
    assert!(scores.hit_at_3 >= 0.93, "{summary}");
    assert!(scores.declined >= 0.9, "{summary}");
}
