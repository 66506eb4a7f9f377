"""Reproductions and extensions of the paper's experiments (`tbn reproduce NAME`)."""
