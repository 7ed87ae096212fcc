"""Identity: who a caller is and what they may do.

Owns:      accounts (roles guest/customer/business/admin, profile and default address), e-mail
           verification, sessions (rotating refresh-token families), RS256 signing keys and the
           JWKS, company applications of businesses.
Publishes: AccountRegistered, EmailVerificationRequested, EmailVerified, ProfileUpdated,
           CompanyApplied, CompanyApproved, CompanyRejected (see contracts.py).
Consumes:  its own EmailVerificationRequested (writes the mail to ``<data_dir>/mail.log`` until a
           notification context exists).
"""
