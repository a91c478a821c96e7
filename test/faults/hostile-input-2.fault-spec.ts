import { describeHostileInput } from './hostile-input';

describeHostileInput(1, 3);
