import { describeHostileInput } from './hostile-input';

describeHostileInput(0, 3);
