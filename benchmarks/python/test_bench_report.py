"""Unit tests of the report's arithmetic that no benchmark run checks: how rounds become one row.

    python -m unittest -q benchmarks/python/test_bench_report.py
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_report import combine_rounds  # noqa: E402

LABEL = "training step, flan-t5-small, batch 8 (tokens/s)"


def row(lora4j, python, lora4j_rss, python_rss):
    """A round's row as Suite.row makes it (the CPU ratio here is the wall ratio less 0.01, to tell them apart)."""
    complete = lora4j is not None and python is not None
    return {"workload": LABEL, "unit": "tokens/s", "lora4j": lora4j, "python": python,
            "ratio": lora4j / python if complete else None, "cpu_ratio": lora4j / python - 0.01 if complete else None,
            "lora4j_rss": lora4j_rss, "python_rss": python_rss, "rss_source": "VmHWM"}


class CombineRoundsTest(unittest.TestCase):
    def test_medians_of_three_rounds_and_the_largest_peaks(self):
        combined = combine_rounds(LABEL, [row(480, 400, 2_000, 4_000), row(300, 400, 2_500, 3_900),
                                          row(450, 300, 2_100, 4_100)])
        self.assertEqual(combined["lora4j"], 450)
        self.assertEqual(combined["python"], 400)
        self.assertAlmostEqual(combined["ratio"], 1.2)  # median of 1.2, 0.75 and 1.5, not 450 / 400
        self.assertAlmostEqual(combined["cpu_ratio"], 1.19)
        self.assertEqual(combined["round_ratios"], [1.2, 0.75, 1.5])
        self.assertEqual((combined["lora4j_rss"], combined["python_rss"]), (2_500, 4_100))
        self.assertEqual(combined["workload"],
                         "training step, flan-t5-small, batch 8 (tokens/s; median of 3 rounds, ratios 1.20, 0.75, 1.50)")
        self.assertEqual(combined["rounds"], 3)

    def test_two_rounds_give_the_mean_of_their_ratios(self):
        combined = combine_rounds(LABEL, [row(460, 357, 2_283, 3_997), row(479, 357, 2_216, 3_927)])
        self.assertAlmostEqual(combined["ratio"], (460 / 357 + 479 / 357) / 2)

    def test_a_round_where_one_side_failed_counts_for_the_other_side_only(self):
        combined = combine_rounds(LABEL, [row(400, 320, 2_000, 4_000), row(None, 330, None, 4_200),
                                          row(420, 300, 2_100, None)])
        self.assertEqual(combined["round_ratios"], [400 / 320, 420 / 300])
        self.assertAlmostEqual(combined["ratio"], (400 / 320 + 420 / 300) / 2)
        self.assertEqual(combined["lora4j"], 410)
        self.assertEqual(combined["python"], 320)
        self.assertEqual((combined["lora4j_rss"], combined["python_rss"]), (2_100, 4_200))

    def test_no_complete_round_gives_no_ratio(self):
        combined = combine_rounds(LABEL, [row(None, 330, None, 4_000), row(None, None, None, None)])
        self.assertIsNone(combined["ratio"])
        self.assertIsNone(combined["cpu_ratio"])
        self.assertIsNone(combined["lora4j"])
        self.assertIsNone(combined["lora4j_rss"])
        self.assertEqual(combined["python"], 330)
        self.assertIn("ratios none complete", combined["workload"])


if __name__ == "__main__":
    unittest.main()
