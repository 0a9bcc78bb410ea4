"""The teaching layer: dashboards, figures, quizzes and exports for the lessons."""
