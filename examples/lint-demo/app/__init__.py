"""Demo application for concadvisor lint."""
