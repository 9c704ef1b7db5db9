//! `serve --watch`: reload when the knowledge directory changes. It polls a
//! cheap signature of the directory (paths, sizes and modification times)
//! rather than using OS notifications, so it works the same on every
//! filesystem, including network mounts; a change must hold still for the
//! debounce interval before the reload runs, so an editor's save-in-steps
//! reloads once. Links are not followed, as the knowledge reader does not
//! follow them out of the directory: a link to `/usr/share` costs nothing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::live::Live;
use crate::transport::Settings;

/// How often the directory is looked at.
pub const POLL: Duration = Duration::from_millis(500);
/// How long a change must hold still before reloading.
pub const DEBOUNCE: Duration = Duration::from_millis(1500);

/// The state of a directory tree: every entry's path, size and modification time.
pub fn signature(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out: Vec<(PathBuf, u64, Option<SystemTime>)> = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            Some((e.path().to_path_buf(), meta.len(), meta.modified().ok()))
        })
        .collect();
    out.sort();
    out
}

/// Reloads `live` whenever `dir` changes and then holds still for `debounce`.
/// Runs until the task is dropped.
pub async fn watch(
    live: Arc<Live>,
    settings: Settings,
    dir: PathBuf,
    poll: Duration,
    debounce: Duration,
) {
    let read = |dir: PathBuf| async move {
        tokio::task::spawn_blocking(move || signature(&dir))
            .await
            .unwrap_or_default()
    };
    let mut seen = read(dir.clone()).await;
    loop {
        tokio::time::sleep(poll).await;
        let now = read(dir.clone()).await;
        if now == seen {
            continue;
        }
        // Wait until the change holds still.
        let mut settled = now;
        loop {
            tokio::time::sleep(debounce).await;
            let again = read(dir.clone()).await;
            if again == settled {
                break;
            }
            settled = again;
        }
        seen = settled;
        super::reload(&live, &settings, "watch").await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_change_reloads_once_after_it_holds_still() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.md"),
            "# A\n\nFirst text about careers.\n",
        )
        .unwrap();
        let options = crate::engine::Options {
            knowledge_dir: dir.path().to_path_buf(),
            index_dir: None,
            force_rebuild: false,
            limits: Default::default(),
            semantic: None,
        };
        let live = Arc::new(Live::load(options).unwrap());
        let settings = Settings::default();
        let metrics = Arc::clone(&settings.metrics);
        let task = tokio::spawn(watch(
            Arc::clone(&live),
            settings,
            dir.path().to_path_buf(),
            Duration::from_millis(20),
            Duration::from_millis(60),
        ));
        tokio::time::sleep(Duration::from_millis(50)).await;
        std::fs::write(
            dir.path().join("b.md"),
            "# B\n\nSecond text about careers.\n",
        )
        .unwrap();
        let counted = "careerbot_reloads_total{cause=\"watch\",result=\"ok\"} 1";
        // The swap shows before the reload is counted: wait for both.
        let reloaded = tokio::time::timeout(Duration::from_secs(10), async {
            while live.version() == 1 || !metrics.render().contains(counted) {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        task.abort();
        assert!(reloaded.is_ok(), "the change was picked up and counted");
        assert_eq!(live.current().knowledge.articles.len(), 2);
        assert_eq!(live.version(), 2, "one reload for one change");
    }
}
