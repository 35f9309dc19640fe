# NannyML's side of `npm run bench -- backfill`: univariate drift of each day of February-June
# against January (KS for numeric columns, chi-square for categorical ones, daily chunks), the
# same files and features as driftwatch's `check --by date --every 1d`. Run by bench/backfill.ts
# only when nannyml is importable; never by the test suite.
import sys

import nannyml as nml
import pandas as pd

reference_file, analysis_file, features = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
reference = pd.read_parquet(reference_file)
analysis = pd.read_parquet(analysis_file)
calculator = nml.UnivariateDriftCalculator(
    column_names=features,
    timestamp_column_name="date",
    chunk_period="D",
    continuous_methods=["kolmogorov_smirnov"],
    categorical_methods=["chi2"],
)
calculator.fit(reference)
result = calculator.calculate(analysis).filter(period="analysis").to_df()
print(f"{len(result)} chunks", file=sys.stderr)
