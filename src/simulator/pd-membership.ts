/**
 * The PD members the simulator pretends to run. All members share one ClusterState; only the leader
 * serves requests, the others answer "not leader" so clients must follow GetMembers, as with real PD.
 */
export interface PdMember {
  name: string;
  memberId: bigint;
  /** http://host:port — PD's client URL (gRPC and HTTP on the same port). */
  clientUrl: string;
}

export class PdMembership {
  private leaderIdx = 0;

  constructor(readonly members: PdMember[]) {
    if (members.length === 0) throw new Error('PD needs at least one member');
  }

  leader(): PdMember {
    return this.members[this.leaderIdx]!;
  }

  isLeader(name: string): boolean {
    return this.leader().name === name;
  }

  /** Simulated leader election: the next member becomes leader. */
  changeLeader(): PdMember {
    this.leaderIdx = (this.leaderIdx + 1) % this.members.length;
    return this.leader();
  }
}
