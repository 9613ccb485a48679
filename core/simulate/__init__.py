"""The simulated int8 model and the live set it re-scores after every range edit (issue 21)."""
