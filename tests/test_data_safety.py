"""README's "Your data is safe" promises, each with the tests that prove it: a promise added to
README without tests, or a test named here that is renamed or removed, fails this test."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]

PROOFS = {
    "A model is saved whole or not at all.": [
        "engine/workspace/test_commit_faults.py::"
        "test_a_save_stopped_at_any_step_leaves_the_old_or_the_new_model_whole",
        "engine/workspace/test_commit_faults.py::test_two_writers_of_one_name_one_wins_whole",
        "engine/workspace/test_commit_faults.py::"
        "test_killed_writers_leftovers_are_removed_and_a_live_writers_are_kept",
        "engine/workspace/test_recovery.py::"
        "test_recover_removes_dead_writers_leftovers_everywhere_and_keeps_live_ones",
        "engine/workspace/test_model_files_budgets.py::"
        "test_what_a_killed_load_unpacked_is_removed_at_the_next_start",
        "cli/test_boundary.py::test_a_command_cleans_what_a_killed_run_left_before_it_starts",
    ],
    "Nothing else is half-written either.": [
        "engine/workspace/test_store.py::test_atomic_write_keeps_the_old_file_when_the_write_fails",
        "engine/workspace/test_store.py::test_a_failed_write_leaves_the_previous_model_pair",
        "engine/workspace/test_store.py::"
        "test_a_read_only_models_folder_is_reported_and_changes_nothing",
        "cli/test_full_disk.py::test_finetune_on_a_read_only_workspace_says_so_and_leaves_nothing",
        "cli/test_full_disk.py::"
        "test_mnist_on_a_full_disk_prints_its_result_says_why_and_leaves_nothing",
        "gui/panels/collect_train/test_panel.py::"
        "test_disk_full_while_saving_keeps_the_earlier_model",
        "gui/test_app.py::test_a_workspace_that_cannot_be_written_is_said_at_start",
    ],
    "Nothing is overwritten without asking.": [
        "engine/workspace/test_store.py::test_an_existing_model_is_replaced_only_when_asked",
        "engine/workspace/test_store.py::test_names_the_app_makes_up_never_replace_a_model",
        "engine/workspace/test_store.py::"
        "test_a_diverged_model_is_never_saved_and_the_previous_one_stays",
        "cli/test_arguments.py::test_an_existing_model_is_replaced_only_with_force",
        "gui/test_overwrite.py::test_mnist_runs_finished_in_the_same_second_keep_both_models",
        "engine/transfer/test_finetune.py::"
        "test_stopping_saves_nothing_and_a_full_disk_leaves_the_previous_model",
        "gui/panels/mnist_lab/test_closing.py::test_closing_the_window_mid_run_saves_no_model",
        "gui/panels/mnist_lab/test_panel.py::"
        "test_train_a_preset_to_the_end_then_stop_a_second_run_midway",
    ],
    "Names stay inside the workspace.": [
        "engine/workspace/test_names.py::"
        "test_names_that_would_leave_the_folder_or_hide_are_refused_with_a_reason",
        "engine/workspace/test_store.py::"
        "test_a_name_outside_the_workspace_is_refused_before_anything_is_written",
        "cli/test_arguments.py::"
        "test_a_model_name_that_is_not_one_plain_name_is_refused_before_any_work",
        "gui/panels/collect_train/test_panel.py::"
        "test_a_model_name_that_would_leave_the_workspace_is_refused_before_training",
    ],
    "Nothing is erased.": [
        "engine/workspace/test_trash.py::"
        "test_deleted_images_go_to_the_system_trash_or_else_the_workspace_trash",
        "gui/panels/collect_train/test_panel.py::"
        "test_delete_a_thumbnail_moves_the_file_to_the_trash",
    ],
    "Your own folders are only read.": [
        "engine/data/test_projects.py::test_a_folder_outside_the_workspace_is_only_read",
        "gui/panels/collect_train/test_panel.py::"
        "test_import_a_folder_with_junk_and_open_a_read_only_folder",
        "engine/data/test_photos.py::test_a_name_that_is_not_utf8_is_shown_printably",
    ],
    "A file that claims too much is refused before it is read.": [
        "engine/data/test_datasets.py::"
        "test_a_608_byte_file_claiming_two_billion_labels_is_refused_at_once",
        "engine/data/test_datasets.py::"
        "test_a_gzip_bomb_is_inflated_no_further_than_its_header_claims",
        "engine/data/test_photos.py::"
        "test_an_image_over_the_pixel_budget_is_refused_before_it_is_decoded",
        "engine/workspace/test_model_files_budgets.py::"
        "test_a_config_that_inflates_is_refused_with_its_limit_reading_little",
        "engine/workspace/test_model_files_budgets.py::"
        "test_too_many_members_are_refused_before_the_directory_is_read",
        "engine/workspace/test_metadata.py::"
        "test_metadata_over_a_megabyte_is_refused_before_it_is_read",
        "engine/data/test_readers_fuzz.py::test_read_idx_returns_an_array_or_refuses",
        "engine/data/test_readers_fuzz.py::test_decoding_arbitrary_bytes_gives_rgb_or_refuses",
        "engine/workspace/test_model_files_fuzz.py::test_crafted_archives",
        "engine/workspace/test_metadata.py::"
        "test_fuzzed_metadata_is_valid_or_refused_with_the_apps_own_error",
    ],
    "Model files from others are checked first.": [
        "engine/workspace/test_model_files.py::"
        "test_custom_registered_classes_and_outside_functions_are_refused",
        "gui/test_model_refusals.py::"
        "test_file_open_says_what_is_wrong_with_each_file_and_the_live_view_goes_on",
        "gui/test_model_refusals.py::test_the_live_picker_refuses_a_model_that_takes_flat_vectors",
    ],
    "Caches are disposable.": [
        "engine/transfer/test_embedding_cache.py::test_a_truncated_cache_is_dropped_and_computed_again",
        "engine/transfer/test_embedding_cache.py::test_a_poisoned_cache_is_dropped",
        "engine/transfer/test_embedding_cache.py::test_a_stale_cache_is_dropped",
        "engine/transfer/test_embedding_cache.py::test_a_pickle_in_the_cache_is_never_loaded",
        "engine/transfer/test_embedding_cache_fuzz.py::test_crafted_caches",
        "engine/transfer/test_pipeline.py::test_a_damaged_cache_is_dropped_recomputed_and_said",
    ],
    "Every failure is a sentence.": [
        "engine/test_failures.py::test_the_machine_saying_no_is_a_sentence_naming_the_file",
        "cli/test_boundary.py::test_a_known_failure_is_one_line_and_its_exit_code",
        "cli/test_boundary.py::test_an_unexpected_error_is_logged_with_its_traceback_and_exits_70",
        "cli/test_boundary.py::test_ctrl_c_during_start_up_exits_130_without_a_traceback",
        "cli/test_boundary.py::test_a_closed_output_ends_the_command_quietly",
        "gui/core/test_jobs.py::test_known_failures_are_sentences_logged_in_one_line",
        "gui/core/test_jobs.py::"
        "test_an_error_not_worded_for_a_person_is_an_internal_error_pointing_to_the_log",
    ],
    "Faults do not hang the window.": [
        "engine/live/test_stream.py::"
        "test_a_read_that_blocks_is_reported_as_stalled_and_the_stream_reconnects",
        "gui/test_main_window.py::test_closing_stops_every_thread",
        "gui/test_main_window.py::test_closing_during_training_stops_it_and_leaves_no_partial_file",
    ],
}


def promises() -> list[str]:
    """The bold first sentence of each bullet under README's "Your data is safe"."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Your data is safe", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^- \*\*(.+?)\*\*", section, flags=re.MULTILINE)


def test_every_promise_names_its_tests_and_every_named_test_exists():
    assert promises() == list(PROOFS)  # same promises, same order
    for promise, proofs in PROOFS.items():
        for proof in proofs:
            path, name = proof.split("::")
            tree = ast.parse((ROOT / "tests" / path).read_text(encoding="utf-8"))
            defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
            assert name in defined, f"{promise!r} names {proof}, which does not exist"
