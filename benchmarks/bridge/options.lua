-- wrk: OPTIONS, which Webdis answers without asking Redis (its HTTP layer alone)
wrk.method = "OPTIONS"
