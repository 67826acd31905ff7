greeting = Hello, { $name }!
signature = SecBoard
minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
hours = { $count ->
    [one] { $count } hour
   *[other] { $count } hours
}
password_reset-subject = Reset your SecBoard password
password_reset-body = Someone asked to reset the password of your SecBoard account. To choose a new password, open the link below. It works once and expires in { $duration }.
password_reset-ignore = If it was not you, ignore this message: your password stays as it is.
password_reset-action = Choose a new password
first_access-subject = Your SecBoard account is ready
first_access-body = An administrator has given you access to SecBoard. To set your password, open the link below. It works once and expires in { $duration }.
first_access-ignore = If you did not expect this message, you can ignore it.
first_access-action = Set your password
magic_link-subject = Your SecBoard sign-in link
magic_link-body = Use the link below to sign in to SecBoard and complete your profile. It works once and expires in { $duration }.
magic_link-ignore = If you did not ask for it, ignore this message.
magic_link-action = Sign in
password_changed-subject = Your SecBoard password was changed
password_changed-body = The password of your SecBoard account was just changed, and every other session was signed out.
password_changed-ignore = If it was not you, contact your SecBoard administrator at once.
two_factor_enabled-subject = Two-factor authentication is on for your SecBoard account
two_factor_enabled-body = Two-factor authentication was just turned on for your SecBoard account. Signing in now also asks for a code from your authenticator app. Keep your backup codes somewhere safe.
two_factor_enabled-ignore = If it was not you, contact your SecBoard administrator at once.
two_factor_disabled-subject = Two-factor authentication is off for your SecBoard account
two_factor_disabled-body = Two-factor authentication was just turned off for your SecBoard account. Signing in now asks for your password only.
two_factor_disabled-ignore = If it was not you, contact your SecBoard administrator at once.
two_factor_reset-subject = Your SecBoard two-factor authentication was reset
two_factor_reset-body = An administrator reset the two-factor authentication of your SecBoard account: your authenticator app and backup codes no longer work, and you were signed out everywhere. Set up a new device at your next sign-in.
two_factor_reset-ignore = If you did not ask for this, contact your SecBoard administrator at once.
backup_codes_regenerated-subject = New SecBoard backup codes
backup_codes_regenerated-body = A new set of backup codes was just made for your SecBoard account; every earlier code stopped working.
backup_codes_regenerated-ignore = If it was not you, change your password and contact your SecBoard administrator at once.
email_changed-subject = The email of your SecBoard account was changed
email_changed-body = An administrator changed the email address of your SecBoard account: this address no longer signs in, links sent to it stopped working, and you were signed out everywhere.
email_changed-ignore = If you did not expect this, contact your SecBoard administrator at once.
password_set_by_admin-subject = An administrator set your SecBoard password
password_set_by_admin-body = An administrator set a new password for your SecBoard account, and you were signed out everywhere.
password_set_by_admin-ignore = If you did not expect this, contact your SecBoard administrator at once.
