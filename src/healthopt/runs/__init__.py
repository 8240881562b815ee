"""Finished and running runs read back from their folders: the index of a results folder, one
trial in full, a run's views and recommendations, its export, and runs side by side."""
