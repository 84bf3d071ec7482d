"""The patient's side: the questionnaire page reached through a link or a clinic kiosk, with no staff account."""
