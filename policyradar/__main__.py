from policyradar.cli import main

raise SystemExit(main())
