/**
 * Setup shared by the ZK tests: importing this loads Poseidon (group trees need it,
 * zk/group_hash.ts); it also gives the committed vectors' group and the `bad_data` check.
 */
import { loadGroupHasher } from "../../src/zk/mod.ts";
import { VECTORS } from "../unit/zk/_vectors.ts";
import { isUserError } from "./user_error.ts";

await loadGroupHasher();

/** The members of the committed vectors' group, as field elements. */
export const vectorMembers = (): bigint[] => VECTORS.group.members.map(BigInt);

/** Whether `err` is the user error for malformed data. */
export const isBadData = (err: unknown): boolean => isUserError(err, "bad_data");
