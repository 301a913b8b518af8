import { writeFleet } from '../support/fleet.ts';
writeFleet(process.argv[2]!, Number(process.argv[3]));
